package dev.schedulerd.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one table the harness ends with: each workload's headline figure for schedulerd, the ratio of
 * schedulerd to each peer measured in the same run, the target with whether this run met
 * it, and for a missed target what bounds it: found by a profile (BENCHMARKS.md keeps each), with
 * this run's own figures where the harness measures them. Markdown, so it can go into BENCHMARKS.md
 * as printed.
 */
final class Summary {
  enum Verdict {
    MET("met"),
    MISSED("**missed**"),
    NONE("—");

    final String text;

    Verdict(String text) {
      this.text = text;
    }

    static Verdict of(boolean met) {
      return met ? MET : MISSED;
    }
  }

  private record Row(
      String workload,
      String measure,
      String schedulerd,
      String peers,
      String target,
      Verdict verdict,
      String bound) {}

  private final List<Row> rows = new ArrayList<>();

  /**
   * @param peers "ratio to PEER x.xx" for each peer, or "—"
   * @param bound what bounds the figure, printed when the target is missed: every target says it,
   *     so no missed one goes without
   */
  void add(
      String workload,
      String measure,
      String schedulerd,
      String peers,
      String target,
      Verdict verdict,
      String bound) {
    rows.add(new Row(workload, measure, schedulerd, peers, target, verdict, bound));
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** "x.xx × NAME" pairs, e.g. ratio(43_000, 52_000, "Quartz") = "0.83 × Quartz". */
  static String ratio(double schedulerd, double peer, String peerName) {
    return String.format(Locale.ROOT, "%.2f × %s", schedulerd / peer, peerName);
  }

  List<String> table() {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add("Summary (ratio = schedulerd's figure / the peer's, measured in this run)");
    lines.add("");
    lines.add(
        "| workload | measure | schedulerd | ratio to peers | target | this run | what bounds it"
            + " (missed targets) |");
    lines.add("|---|---|---|---|---|---|---|");
    for (Row row : rows) {
      lines.add(
          "| "
              + String.join(
                  " | ",
                  row.workload(),
                  row.measure(),
                  row.schedulerd(),
                  row.peers(),
                  row.target(),
                  row.verdict().text,
                  row.verdict() == Verdict.MISSED ? row.bound() : "—")
              + " |");
    }
    return lines;
  }
}
