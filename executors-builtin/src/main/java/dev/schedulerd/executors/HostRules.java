package dev.schedulerd.executors;

import dev.schedulerd.api.executor.EnvReferences;
import dev.schedulerd.api.executor.ExecutorSettings;
import java.net.URI;
import java.net.URISyntaxException;
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

  /**
   * The URL's problems as the client wrote it. A reference may stand in the user info, path, query
   * or fragment, never in the scheme, host or port: the allowlist is checked on this text, so the
   * origin must be written out.
   */
  List<String> checkTemplate(String text) {
    if (!EnvReferences.contains(text)) {
      return checkUrl(text, "url");
    }
    URI one;
    URI other;
    try {
      one = new URI(HttpUrls.withPlaceholders(text, "x0"));
      other = new URI(HttpUrls.withPlaceholders(text, "y1"));
    } catch (URISyntaxException e) {
      return List.of("url: '" + HttpUrls.shown(text) + "' is not a URL: " + e.getReason());
    }
    if (!HttpUrls.origin(one).equals(HttpUrls.origin(other)) || one.getHost() == null) {
      return List.of(
          "url: a ${env:NAME} reference may not stand in the scheme, host or port, which the"
              + " operator's "
              + keyName
              + " is checked against: write them out, e.g."
              + " \"https://api.example.com/hook/${env:HOOK_ID}\"");
    }
    return checkUrl(one.toString(), "url");
  }

  List<String> checkUrl(String text, String field) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      return List.of(field + ": '" + HttpUrls.redact(text) + "' is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return List.of(
          field + ": only http and https URLs are supported, got '" + HttpUrls.redact(text) + "'");
    }
    String host = uri.getHost();
    if (host == null) {
      return List.of(field + ": '" + HttpUrls.redact(text) + "' has no host");
    }
    if (!allows(uri)) {
      return List.of(
          field
              + ": "
              + (uri.getPort() < 0 ? "host '" + host + "'" : "'" + host + ":" + uri.getPort() + "'")
              + " is not allowed on this daemon; the operator lists allowed hosts (HOST,"
              + " HOST:PORT or HOST:* — a host alone allows only the scheme's default port) in "
              + keyName
              + " "
              + described());
    }
    return List.of();
  }
}
