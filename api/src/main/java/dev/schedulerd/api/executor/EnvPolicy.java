package dev.schedulerd.api.executor;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which of the daemon's environment variables the tasks of one executor kind may use: the
 * operator's {@code executors.KIND.allow-env} list of names and globs ({@code API_TOKEN,HOOK_*}).
 * Default: none. A glob never matches a {@linkplain #isSensitive sensitive} name (loader, shell
 * start-up and interpreter variables, {@code PATH}): those are allowed only when named exactly.
 * Immutable and thread-safe.
 */
public record EnvPolicy(String keyName, List<String> entries) {
  /** The setting that lists the allowed names. */
  public static final String KEY = "allow-env";

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern GLOB = Pattern.compile("[A-Za-z0-9_*?]+");

  /** Names that change what a program loads or runs, whatever the program is. */
  private static final Pattern SENSITIVE =
      Pattern.compile(
          "LD_.*|DYLD_.*|BASH_ENV|ENV|BASH_FUNC_.*|BASHOPTS|SHELLOPTS|PS4|PROMPT_COMMAND|IFS"
              + "|PATH|CDPATH|HOME|ZDOTDIR|TMPDIR|PYTHON.*|PERL5.*|PERLLIB|PERL_.*|RUBY.*|GEM_.*"
              + "|NODE_.*|NPM_.*|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|JAVA_OPTIONS"
              + "|CLASSPATH|GIT_.*|GCONV_PATH|LOCPATH|NLSPATH|MALLOC_.*|GLIBC_TUNABLES|LESSOPEN"
              + "|LESSCLOSE|PAGER|EDITOR|VISUAL|BROWSER|SSH_ASKPASS|SUDO_ASKPASS|OPENSSL_CONF"
              + "|SSL_CERT_.*|CURL_CA_BUNDLE|HOSTALIASES|RES_OPTIONS|LOCALDOMAIN|TZDIR");

  public EnvPolicy {
    entries = List.copyOf(entries);
  }

  /** No variable may be used. */
  public static EnvPolicy none(String kind) {
    return new EnvPolicy("executors." + kind + "." + KEY, List.of());
  }

  /**
   * The policy in {@code settings}' {@value #KEY}.
   *
   * @throws IllegalArgumentException naming the key when an entry is neither a name nor a glob
   */
  public static EnvPolicy of(ExecutorSettings settings) {
    List<String> entries = settings.list(KEY);
    for (String entry : entries) {
      if (!GLOB.matcher(entry).matches()) {
        throw new IllegalArgumentException(
            settings.keyName(KEY)
                + ": '"
                + entry
                + "' is not a variable name or glob (letters, digits, _, * and ?)");
      }
    }
    return new EnvPolicy(settings.keyName(KEY), entries);
  }

  /** Whether a variable of this name is one that changes what programs load or run. */
  public static boolean isSensitive(String name) {
    return SENSITIVE.matcher(name.toUpperCase(Locale.ROOT)).matches();
  }

  /** Whether tasks may use the variable {@code name}. */
  public boolean allows(String name) {
    if (!NAME.matcher(name).matches()) {
      return false;
    }
    boolean sensitive = isSensitive(name);
    for (String entry : entries) {
      if (entry.equals(name)) {
        return true;
      }
      if (!sensitive && (entry.contains("*") || entry.contains("?")) && glob(entry, name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean glob(String pattern, String name) {
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    return matcher.matches(Path.of(name));
  }

  /** Why {@code name} is refused, and the key that would allow it; never a value. */
  public String refusal(String name) {
    return "the variable "
        + name
        + " is not one tasks may use on this daemon; the operator lists them in "
        + keyName
        + (isSensitive(name)
            ? " (" + name + " changes what programs load or run: only its exact name allows it)"
            : "")
        + (entries.isEmpty() ? " (now: none)" : " (now: " + String.join(", ", entries) + ")");
  }
}
