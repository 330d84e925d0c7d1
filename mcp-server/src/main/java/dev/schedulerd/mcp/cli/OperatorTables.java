package dev.schedulerd.mcp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedulerd.mcp.Printable;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The operator's commands' answers as a person reads them, in the style of {@code systemctl
 * list-timers}: aligned columns, times in the terminal's zone, one summary line.
 */
final class OperatorTables {
  private OperatorTables() {}

  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ENGLISH); // CET, not GMT+01:00

  /** The text for the answer of command {@code verb}. */
  static String render(String verb, JsonNode answer, ZoneId zone) {
    return switch (verb) {
      case "tasks" -> tasks(answer, zone);
      case "runs" -> runs(answer, zone);
      case "preview" -> preview(answer);
      case "task" -> fields(answer.path("summary").asText(""), answer.path("task"), zone);
      case "status" -> fields(answer.path("summary").asText(""), answer.path("daemon"), zone);
      default -> Printable.of(answer.path("summary").asText("done")) + "\n";
    };
  }

  private static String tasks(JsonNode answer, ZoneId zone) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("ID", "STATUS", "PRIORITY", "NEXT RUN", "LAST"));
    for (JsonNode task : answer.path("tasks")) {
      rows.add(
          List.of(
              task.path("task_id").asText(),
              task.path("status").asText(),
              task.path("priority").asText("medium"),
              local(task.path("next").asText(""), zone),
              task.path("last").asText("")));
    }
    return table(rows) + footer(answer, "task(s)");
  }

  private static String runs(JsonNode answer, ZoneId zone) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("STARTED", "TASK", "OUTCOME", "TOOK", "LATE", "NODE", "RESULT"));
    for (JsonNode run : answer.path("runs")) {
      String started = run.path("started_at").asText("");
      rows.add(
          List.of(
              local(started, zone),
              run.path("task_id").asText(),
              run.path("outcome").asText(),
              between(started, run.path("finished_at").asText("")),
              between(run.path("scheduled_for").asText(""), started),
              run.path("node").asText(""),
              oneLine(
                  run.has("error") ? run.path("error").asText() : run.path("result").asText(""))));
    }
    return table(rows) + footer(answer, "run(s)");
  }

  private static String preview(JsonNode answer) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("FIRES AT (" + answer.path("time_zone").asText() + ")", "UTC", "NOTE"));
    for (JsonNode fire : answer.path("fire_times")) {
      rows.add(
          List.of(
              fire.path("local").asText(), fire.path("at").asText(), fire.path("note").asText("")));
    }
    StringBuilder text =
        new StringBuilder(Printable.of(answer.path("schedule").asText())).append('\n');
    text.append(table(rows));
    for (JsonNode note : answer.path("notes")) {
      text.append("note: ").append(Printable.of(note.asText())).append('\n');
    }
    return text.toString();
  }

  /** A summary line, then each plain field of {@code object} as {@code name: value}. */
  private static String fields(String summary, JsonNode object, ZoneId zone) {
    StringBuilder text = new StringBuilder(Printable.of(summary)).append('\n');
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      JsonNode value = field.getValue();
      String shown = value.isValueNode() ? local(value.asText(), zone) : oneLine(value.toString());
      rows.add(List.of(field.getKey() + ":", shown));
    }
    return text.append(table(rows)).toString();
  }

  private static String footer(JsonNode answer, String what) {
    String more = answer.hasNonNull("next_cursor") ? " (more: --limit N for a larger page)" : "";
    return answer.path("count").asInt(0) + " " + what + more + "\n";
  }

  /** Columns padded to their widest cell, two spaces apart; the last one not padded. */
  static String table(List<List<String>> rows) {
    int columns = rows.stream().mapToInt(List::size).max().orElse(0);
    int[] widths = new int[columns];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], Printable.of(row.get(i)).length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = Printable.of(row.get(i));
        line.append(cell);
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - cell.length() + 2));
        }
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString();
  }

  /** An instant (ISO-8601, with Z or an offset) in {@code zone}; any other text as it is. */
  static String local(String text, ZoneId zone) {
    if (text.length() < 16 || !Character.isDigit(text.charAt(0)) || text.charAt(10) != 'T') {
      return text;
    }
    try {
      return LOCAL.format(OffsetDateTime.parse(text).atZoneSameInstant(zone));
    } catch (DateTimeParseException e) {
      return text;
    }
  }

  /** "1.2 s", "35 ms": the time from one instant to the other, or empty. */
  private static String between(String from, String to) {
    try {
      Duration took = Duration.between(Instant.parse(from), Instant.parse(to));
      long millis = took.toMillis();
      return millis < 1000 ? millis + " ms" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    } catch (DateTimeParseException e) {
      return "";
    }
  }

  private static String oneLine(String text) {
    String line = text.replaceAll("\\s+", " ").strip();
    return line.length() <= 60 ? line : line.substring(0, 59) + "…";
  }
}
