package dev.schedulerd.api.executor;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.regex.Matcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * What one run may read of the daemon's environment, and the masking that keeps it inside. {@link
 * #resolve} replaces {@code ${env:NAME}} references with values from the environment, for names the
 * operator's {@link EnvPolicy} allows; {@link #mask} shows every value of the daemon's {@link
 * SecretMask} (every variable any executor may use, raw, URL-encoded, JSON-escaped or in Base64) as
 * {@code ${env:NAME}}. The scheduler masks what a run returns, throws and logs through {@link
 * ExecutionContext#logger()}, so an executor cannot leak a value by accident. Immutable.
 */
public final class RunSecrets {
  private final EnvPolicy policy;
  private final Map<String, String> environment;
  private final SecretMask mask;

  /**
   * @param policy the variables this run's task may use
   * @param environment where values come from: the daemon's {@code System.getenv()}
   * @param mask what is hidden in what the run reports: at least every value {@code policy} allows
   */
  public RunSecrets(EnvPolicy policy, Map<String, String> environment, SecretMask mask) {
    this.policy = policy;
    this.environment = environment;
    this.mask = mask;
  }

  /** For one executor kind alone (tests, embedding): masks what {@code policy} allows. */
  public RunSecrets(EnvPolicy policy, Map<String, String> environment) {
    this(policy, environment, SecretMask.allowed(policy, environment));
  }

  /**
   * {@code text} with each reference replaced by its value.
   *
   * @param where the config field the text came from, for messages ({@code config.url})
   * @throws EnvReferenceException naming the variable when the policy refuses it or it is not set
   */
  public String resolve(String text, String where) {
    Matcher m = EnvReferences.REFERENCE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      if (!policy.allows(name)) {
        throw new EnvReferenceException(where + ": ${env:" + name + "}: " + policy.refusal(name));
      }
      String value = environment.get(name);
      if (value == null) {
        throw new EnvReferenceException(
            "environment variable "
                + name
                + " (referenced in "
                + where
                + ") is not set on this node");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** {@code text} with every value the daemon's tasks may use shown as its reference. */
  public String mask(String text) {
    return mask.mask(text);
  }

  /**
   * A logger that masks every argument and message before {@code delegate} sees it; a throwable is
   * replaced by one carrying its masked description (its stack trace is dropped, since its messages
   * may hold a value).
   */
  public Logger maskingLogger(Logger delegate) {
    return (Logger)
        Proxy.newProxyInstance(
            Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                  case "equals" -> proxy == args[0];
                  case "hashCode" -> System.identityHashCode(proxy);
                  default -> "masking " + delegate;
                };
              }
              @Nullable Object[] masked = args == null ? null : new @Nullable Object[args.length];
              if (masked != null) {
                for (int i = 0; i < masked.length; i++) {
                  masked[i] = maskArgument(args[i]);
                }
              }
              try {
                return method.invoke(delegate, masked);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private @Nullable Object maskArgument(@Nullable Object arg) {
    if (arg == null || arg instanceof org.slf4j.Marker) {
      return arg;
    }
    if (arg instanceof Object[] array) {
      @Nullable Object[] copy = new @Nullable Object[array.length];
      for (int i = 0; i < copy.length; i++) {
        copy[i] = maskArgument(array[i]);
      }
      return copy;
    }
    if (arg instanceof Throwable t) {
      return new MaskedThrowable(escapeControls(mask(describe(t))));
    }
    if (arg instanceof Boolean || arg instanceof Number) {
      return arg;
    }
    return escapeControls(mask(String.valueOf(arg)));
  }

  /**
   * {@code text} on one line: line breaks, escape sequences and other control characters a task's
   * text may hold are written as {@code \n}, {@code \u001b} and so on, so that it cannot forge log
   * lines or drive the terminal that shows the log.
   */
  public static String escapeControls(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
      if (control && out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (out != null) {
        if (!control) {
          out.append(c);
        } else if (c == '\n') {
          out.append("\\n");
        } else if (c == '\r') {
          out.append("\\r");
        } else if (c == '\t') {
          out.append("\\t");
        } else {
          out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
        }
      }
    }
    return out == null ? text : out.toString();
  }

  /** The throwable and its causes, one line each, as {@code Class: message}. */
  public static String describe(Throwable t) {
    StringBuilder text = new StringBuilder(t.toString());
    Throwable cause = t.getCause();
    for (int depth = 0; cause != null && cause != t && depth < 8; depth++) {
      text.append("; caused by ").append(cause);
      cause = cause.getCause();
    }
    return text.toString();
  }

  /** A stand-in for a logged throwable whose text was masked. */
  private static final class MaskedThrowable extends RuntimeException {
    MaskedThrowable(String description) {
      super(description, null, false, false);
    }

    @Override
    public String toString() {
      return String.valueOf(getMessage());
    }
  }
}
