package dev.schedulerd.api.executor;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Hides the values of the daemon's secrets: each value, in the forms it takes in text (raw,
 * URL-encoded in upper or lower case, JSON-escaped, Base64), is shown as {@code ${env:NAME}}, and a
 * part of one at either end of a text (where a cut to a size may have split it) as {@code …}. The
 * scheduler applies one to every run's result, error and log line — not only those of the run that
 * resolved a value, since another run may read it back from wherever the first one sent it — and
 * the daemon to every line of its stderr. Immutable.
 */
public final class SecretMask {
  private static final SecretMask NONE = new SecretMask(List.of());

  /** The shortest part of a value at the edge of a text that is masked. */
  static final int MIN_EDGE = 4;

  /** The shortest value of a variable tasks may not use that a daemon masks all the same. */
  public static final int MIN_OTHER_VALUE = 8;

  /** Names whose values are not secrets and are everywhere in output (paths, the user). */
  private static final Set<String> PLAIN_NAMES =
      Set.of(
          "PATH",
          "HOME",
          "PWD",
          "OLDPWD",
          "SHELL",
          "USER",
          "LOGNAME",
          "LANG",
          "LANGUAGE",
          "TERM",
          "COLORTERM",
          "TZ",
          "TMPDIR",
          "SHLVL",
          "_",
          "HOSTNAME",
          "HOSTTYPE",
          "OSTYPE",
          "MACHTYPE",
          "JAVA_HOME",
          "DISPLAY",
          "MAIL",
          "EDITOR",
          "VISUAL",
          "PAGER",
          "MANPATH",
          "INFOPATH");

  // Each form a value may take, longest first, with what replaces it.
  private final List<Map.Entry<String, String>> forms;

  private SecretMask(List<Map.Entry<String, String>> forms) {
    this.forms = forms;
  }

  public static SecretMask none() {
    return NONE;
  }

  /** A mask of {@code values}, by variable name; empty values are skipped. */
  public static SecretMask of(Map<String, String> values) {
    List<Map.Entry<String, String>> forms = new ArrayList<>();
    values.forEach(
        (name, value) -> {
          if (!value.isEmpty()) {
            String shown = "${env:" + name + "}";
            for (String form : forms(value)) {
              forms.add(Map.entry(form, shown));
            }
            for (String credential : credentials(value)) {
              for (String form : forms(credential)) {
                forms.add(Map.entry(form, shown));
              }
            }
          }
        });
    forms.sort(
        Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
    return forms.isEmpty() ? NONE : new SecretMask(List.copyOf(forms));
  }

  /** The variables of {@code environment} that {@code policy} allows. */
  public static SecretMask allowed(EnvPolicy policy, Map<String, String> environment) {
    return of(select(environment, policy::allows, false));
  }

  /**
   * What a daemon hides: the values of the variables tasks may use ({@code allowed}), and every
   * other value of its environment of at least {@value #MIN_OTHER_VALUE} characters, but for names
   * that never hold secrets ({@code PATH}, {@code HOME}, {@code LC_*}, {@code XDG_*}, the daemon's
   * own settings but its store URL, …). Those are not meant to reach a task, but a task may still
   * read them where the system shows them (a process's environment under /proc, say).
   */
  public static SecretMask daemon(Map<String, String> environment, Predicate<String> allowed) {
    return of(select(environment, allowed, true));
  }

  private static Map<String, String> select(
      Map<String, String> environment, Predicate<String> allowed, boolean others) {
    Map<String, String> values = new TreeMap<>();
    environment.forEach(
        (name, value) -> {
          boolean plain =
              PLAIN_NAMES.contains(name)
                  || name.startsWith("LC_")
                  || name.startsWith("XDG_")
                  || (name.startsWith("SCHEDULERD_") && !name.equals("SCHEDULERD_STORE"));
          if (allowed.test(name) || (others && !plain && value.length() >= MIN_OTHER_VALUE)) {
            values.put(name, value);
          }
        });
    return values;
  }

  private static final java.util.regex.Pattern CREDENTIAL =
      java.util.regex.Pattern.compile(
          "(?i)(?:password|passwd|pwd|secret|token|api[_-]?key)=([^&;\\s]{4,})"
              + "|://[^:/@\\s]*:([^@/\\s]{4,})@");

  /**
   * The credentials inside a value such as a connection URL ({@code ...?password=P}, {@code
   * scheme://user:P@host}): a program may print them without the rest of the value.
   */
  private static List<String> credentials(String value) {
    List<String> found = new ArrayList<>();
    java.util.regex.Matcher m = CREDENTIAL.matcher(value);
    while (m.find()) {
      found.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return found;
  }

  private static List<String> forms(String value) {
    List<String> forms = new ArrayList<>();
    forms.add(value);
    String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8);
    forms.add(encoded);
    forms.add(encoded.replace("+", "%20"));
    forms.add(lowerPercent(encoded));
    forms.add(lowerPercent(encoded.replace("+", "%20")));
    forms.add(new String(JsonStringEncoder.getInstance().quoteAsString(value)));
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    forms.add(Base64.getEncoder().encodeToString(bytes));
    forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    return forms.stream().distinct().toList();
  }

  private static String lowerPercent(String encoded) {
    StringBuilder out = new StringBuilder(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%' && i + 2 < encoded.length()) {
        out.append('%').append(encoded.substring(i + 1, i + 3).toLowerCase(Locale.ROOT));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  public boolean isEmpty() {
    return forms.isEmpty();
  }

  /**
   * {@code text} with every value shown as its reference, and a part of one at either end (at least
   * {@value #MIN_EDGE} characters) shown as {@code …}.
   */
  public String mask(String text) {
    if (forms.isEmpty() || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (Map.Entry<String, String> form : forms) {
      out = out.replace(form.getKey(), form.getValue());
    }
    return maskEdges(out);
  }

  /** {@code result} with its text masked, its kind and retryability kept. */
  public ExecutionResult mask(ExecutionResult result) {
    if (forms.isEmpty()) {
      return result;
    }
    return switch (result) {
      case ExecutionResult.Success s -> new ExecutionResult.Success(mask(s.output()));
      case ExecutionResult.Failure f -> new ExecutionResult.Failure(mask(f.error()), f.retryable());
    };
  }

  private String maskEdges(String text) {
    if (text.length() < MIN_EDGE) {
      return text;
    }
    String first = text.substring(0, MIN_EDGE);
    String last = text.substring(text.length() - MIN_EDGE);
    int head = 0;
    int tail = 0;
    for (Map.Entry<String, String> entry : forms) {
      String form = entry.getKey();
      // The text starts with the end of a value: the value from some i > 0 on.
      for (int i = form.indexOf(first, 1); i > 0; i = form.indexOf(first, i + 1)) {
        int n = form.length() - i;
        if (n > head && text.startsWith(form.substring(i))) {
          head = n;
        }
      }
      // The text ends with the start of a value: its first n < length characters.
      for (int j = form.indexOf(last); j >= 0; j = form.indexOf(last, j + 1)) {
        int n = j + MIN_EDGE;
        if (n < form.length() && n > tail && text.endsWith(form.substring(0, n))) {
          tail = n;
        }
      }
    }
    if (head == 0 && tail == 0) {
      return text;
    }
    if (head + tail >= text.length()) {
      return "…";
    }
    return (head > 0 ? "…" : "")
        + text.substring(head, text.length() - tail)
        + (tail > 0 ? "…" : "");
  }
}
