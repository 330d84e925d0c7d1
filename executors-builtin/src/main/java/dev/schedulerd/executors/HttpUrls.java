package dev.schedulerd.executors;

import dev.schedulerd.api.executor.EnvReferences;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** URL text as the http executor shows and compares it. */
final class HttpUrls {
  private HttpUrls() {}

  static String withPlaceholders(String text, String placeholder) {
    return EnvReferences.REFERENCE.matcher(text).replaceAll(placeholder);
  }

  /** Scheme, host and effective port: what the allowlist decides on. */
  static String origin(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost() == null ? "" : HostRules.bare(uri.getHost());
    int port = uri.getPort() < 0 ? HostRules.defaultPort(scheme) : uri.getPort();
    return scheme + "://" + host + ":" + port;
  }

  /**
   * The client's URL text as shown in results: without user info or query, which may carry
   * credentials, and with its references as written.
   */
  static String shown(String template) {
    if (!EnvReferences.contains(template)) {
      return redact(template);
    }
    String text = template;
    boolean query = false;
    int cut = indexOfAny(text, "?#");
    if (cut >= 0) {
      query = text.charAt(cut) == '?';
      text = text.substring(0, cut);
    }
    int authority = text.indexOf("://");
    if (authority >= 0) {
      int pathStart = text.indexOf('/', authority + 3);
      String auth =
          pathStart < 0 ? text.substring(authority + 3) : text.substring(authority + 3, pathStart);
      int at = auth.lastIndexOf('@');
      if (at >= 0) {
        text =
            text.substring(0, authority + 3)
                + auth.substring(at + 1)
                + (pathStart < 0 ? "" : text.substring(pathStart));
      }
    }
    return text + (query ? "?…" : "");
  }

  private static int indexOfAny(String text, String chars) {
    for (int i = 0; i < text.length(); i++) {
      if (chars.indexOf(text.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** The URL without user info or query, which may carry credentials. */
  static String redact(String url) {
    try {
      URI uri = new URI(url);
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
          + (uri.getRawQuery() != null ? "?…" : "");
    } catch (URISyntaxException | RuntimeException e) {
      return "(an invalid URL)";
    }
  }
}
