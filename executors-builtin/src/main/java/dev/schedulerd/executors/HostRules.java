package dev.schedulerd.executors;

import dev.schedulerd.api.executor.ExecutorSettings;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The operator's {@code executors.http.allow-hosts}: entries {@code HOST}, {@code HOST:PORT} or
 * {@code HOST:*}, where HOST is a name, an IP address ({@code [::1]} for IPv6) or {@code *.domain};
 * {@code *} alone allows every host on every port. An entry without a port allows only its scheme's
 * default port (80 for http, 443 for https), so that allowing a host does not open its admin ports.
 * Immutable.
 */
record HostRules(String keyName, List<Rule> rules) {
  static final int ANY_PORT = -2;
  static final int DEFAULT_PORT = -1;

  record Rule(String host, int port, String text) {
    boolean matches(String h, int effectivePort, int defaultPort) {
      boolean hostMatches =
          host.equals("*")
              || host.equals(h)
              || (host.startsWith("*.") && h.endsWith(host.substring(1)));
      boolean portMatches =
          port == ANY_PORT
              || (port == DEFAULT_PORT ? effectivePort == defaultPort : port == effectivePort);
      return hostMatches && portMatches;
    }
  }

  HostRules {
    rules = List.copyOf(rules);
  }

  static HostRules none() {
    return new HostRules("executors.http.allow-hosts", List.of());
  }

  /**
   * @throws IllegalArgumentException naming the key and the entry when one cannot be read
   */
  static HostRules of(ExecutorSettings settings) {
    String key = settings.keyName("allow-hosts");
    List<Rule> rules = new ArrayList<>();
    for (String entry : settings.list("allow-hosts")) {
      rules.add(parse(entry.toLowerCase(Locale.ROOT), key));
    }
    return new HostRules(key, rules);
  }

  private static Rule parse(String entry, String key) {
    if (entry.equals("*")) {
      return new Rule("*", ANY_PORT, entry);
    }
    String host;
    String port = null;
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      if (close < 0) {
        throw invalid(entry, key, "an IPv6 address needs its closing ]");
      }
      host = entry.substring(1, close);
      String rest = entry.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw invalid(entry, key, "only :PORT may follow ]");
        }
        port = rest.substring(1);
      }
    } else if (entry.indexOf(':') >= 0 && entry.indexOf(':') == entry.lastIndexOf(':')) {
      host = entry.substring(0, entry.indexOf(':'));
      port = entry.substring(entry.indexOf(':') + 1);
    } else {
      host = entry; // a name, an IPv4 address, or a bare IPv6 address
    }
    if (host.isEmpty() || host.contains("/") || host.contains("@")) {
      throw invalid(
          entry, key, "give a host name or address, e.g. api.example.com or 10.0.0.5:8443");
    }
    if (port == null) {
      return new Rule(host, DEFAULT_PORT, entry);
    }
    if (port.equals("*")) {
      return new Rule(host, ANY_PORT, entry);
    }
    try {
      int n = Integer.parseInt(port);
      if (n >= 1 && n <= 65535) {
        return new Rule(host, n, entry);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(entry, key, "the port must be 1-65535 or *");
  }

  private static IllegalArgumentException invalid(String entry, String key, String why) {
    return new IllegalArgumentException(key + ": '" + entry + "' is not a host entry: " + why);
  }

  /** Whether {@code uri} (http or https, with a host) may be called. */
  boolean allows(URI uri) {
    String host = bare(uri.getHost());
    int defaultPort = defaultPort(uri.getScheme());
    int port = uri.getPort() < 0 ? defaultPort : uri.getPort();
    for (Rule rule : rules) {
      if (rule.matches(host, port, defaultPort)) {
        return true;
      }
    }
    return false;
  }

  /** The host without IPv6 brackets, lower case. */
  static String bare(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  static int defaultPort(String scheme) {
    return scheme.equalsIgnoreCase("https") ? 443 : 80;
  }

  /** For messages: the entries as the operator wrote them. */
  String described() {
    return rules.isEmpty()
        ? "(now: none)"
        : "(now: " + String.join(", ", rules.stream().map(Rule::text).toList()) + ")";
  }
}
