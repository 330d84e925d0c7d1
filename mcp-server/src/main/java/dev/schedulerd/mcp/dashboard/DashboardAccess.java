package dev.schedulerd.mcp.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Who may use the dashboard, and from where: a random token kept in a file only this user may read
 * (the login, as Jupyter's), a session cookie the login sets (HttpOnly, SameSite=Strict), a Host
 * header that names this server (against DNS rebinding), and for every action a CSRF token derived
 * from the login token plus a same-origin check.
 */
@dev.schedulerd.mcp.SuppressForbidden(
    reason =
        "com.sun.net.httpserver is the exported, supported jdk.httpserver module, not internals")
final class DashboardAccess {
  static final String COOKIE = "schedulerd_session";
  static final String CSRF_HEADER = "X-CSRF-Token";

  private final String token;
  private final String csrf;
  private final Set<String> hosts;

  private DashboardAccess(String token, Set<String> hosts) {
    this.token = token;
    this.csrf = hmac(token, "csrf");
    this.hosts = Set.copyOf(hosts);
  }

  /**
   * The token in {@code tokenFile} (made with a new random one, mode 0600, when missing), allowing
   * requests whose Host is this server on {@code port} or one of {@code extraHosts} (a proxy's).
   */
  static DashboardAccess load(Path tokenFile, int port, List<String> extraHosts)
      throws IOException {
    String token = null;
    if (Files.isRegularFile(tokenFile, LinkOption.NOFOLLOW_LINKS)) {
      token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    }
    if (token == null || token.length() < 32) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Path folder = tokenFile.toAbsolutePath().getParent();
      if (folder != null) {
        Files.createDirectories(folder);
      }
      Files.deleteIfExists(tokenFile);
      Files.writeString(
          Files.createFile(
              tokenFile,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
          token + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.WRITE);
    }
    Set<String> hosts = new java.util.HashSet<>();
    for (String name : List.of("127.0.0.1", "localhost", "[::1]")) {
      hosts.add(name + ":" + port);
    }
    extraHosts.forEach(h -> hosts.add(h.strip().toLowerCase(java.util.Locale.ROOT)));
    return new DashboardAccess(token, hosts);
  }

  /** The login URL a person opens. */
  String loginUrl(String origin) {
    return origin + "/login?token=" + token;
  }

  /** The token an action must carry in {@link #CSRF_HEADER}. */
  String csrf() {
    return csrf;
  }

  /** Whether the Host header names this server (or an allowed proxy). */
  boolean hostAllowed(HttpExchange exchange) {
    String host = exchange.getRequestHeaders().getFirst("Host");
    return host != null && hosts.contains(host.strip().toLowerCase(java.util.Locale.ROOT));
  }

  boolean tokenMatches(@Nullable String given) {
    return given != null
        && MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }

  /** Whether the request carries the session cookie or the token as a bearer. */
  boolean signedIn(HttpExchange exchange) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization != null && authorization.startsWith("Bearer ")) {
      return tokenMatches(authorization.substring("Bearer ".length()).strip());
    }
    for (String header : exchange.getRequestHeaders().getOrDefault("Cookie", List.of())) {
      for (String cookie : header.split(";")) {
        String[] pair = cookie.strip().split("=", 2);
        if (pair.length == 2 && pair[0].equals(COOKIE) && tokenMatches(pair[1])) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether an action may proceed: the CSRF token, and an Origin (when the browser sends one) of
   * this server.
   */
  boolean actionAllowed(HttpExchange exchange) {
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    if (origin != null) {
      String host = origin.replaceFirst("^https?://", "").toLowerCase(java.util.Locale.ROOT);
      if (!hosts.contains(host)) {
        return false;
      }
    }
    String given = exchange.getRequestHeaders().getFirst(CSRF_HEADER);
    return given != null
        && MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8), csrf.getBytes(StandardCharsets.UTF_8));
  }

  String sessionCookie() {
    return COOKIE + "=" + token + "; HttpOnly; SameSite=Strict; Path=/";
  }

  private static String hmac(String key, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
