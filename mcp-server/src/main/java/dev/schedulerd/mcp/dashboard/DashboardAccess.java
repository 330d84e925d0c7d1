package dev.schedulerd.mcp.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Who may use the dashboard, and from where: a random token kept in a file only this user may read
 * (the sign-in, as Jupyter's), sessions the sign-in opens (random ids kept in this process, never
 * the token; a cookie named after the port, HttpOnly, SameSite=Strict), a Host header that names
 * this server (against DNS rebinding), and for every action a CSRF token plus a same-origin check.
 */
@dev.schedulerd.mcp.SuppressForbidden(
    reason =
        "com.sun.net.httpserver is the exported, supported jdk.httpserver module, not internals")
final class DashboardAccess {
  static final String CSRF_HEADER = "X-CSRF-Token";

  /** How long a sign-in lasts; the daemon's restart ends every session too. */
  static final Duration SESSION_LIFETIME = Duration.ofHours(24);

  /** Sessions at most; the oldest goes first. */
  static final int MAX_SESSIONS = 64;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final String token;
  private final String csrf;
  private final Set<String> hosts;
  private final String cookie;
  private final Map<String, Instant> sessions = new ConcurrentHashMap<>(); // id -> expiry

  private DashboardAccess(String token, int port, Set<String> hosts) {
    this.token = token;
    this.csrf = hmac(token, "csrf");
    this.hosts = Set.copyOf(hosts);
    this.cookie = "schedulerd_session_" + port;
  }

  /**
   * The token in {@code tokenFile} (made with a new random one when missing, or when the file is
   * not this user's alone), allowing requests whose Host is this server on {@code port} or one of
   * {@code extraHosts} (a proxy's).
   */
  static DashboardAccess load(Path tokenFile, int port, List<String> extraHosts)
      throws IOException {
    String token = existingToken(tokenFile);
    if (token == null) {
      token = random(32);
      Path folder = tokenFile.toAbsolutePath().getParent();
      if (folder != null) {
        Files.createDirectories(folder);
      }
      Files.deleteIfExists(tokenFile);
      try (SeekableByteChannel out =
          Files.newByteChannel(
              tokenFile,
              Set.of(
                  StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.WRITE,
                  LinkOption.NOFOLLOW_LINKS),
              PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
        out.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.UTF_8)));
      }
    }
    Set<String> hosts = new java.util.HashSet<>();
    for (String name : List.of("127.0.0.1", "localhost", "[::1]")) {
      hosts.add(name + ":" + port);
    }
    extraHosts.forEach(h -> hosts.add(h.strip().toLowerCase(java.util.Locale.ROOT)));
    return new DashboardAccess(token, port, hosts);
  }

  /** The token of a file that is a regular file of this user's, 0600, and small; else null. */
  private static @Nullable String existingToken(Path tokenFile) throws IOException {
    PosixFileAttributes found;
    try {
      found = Files.readAttributes(tokenFile, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
    boolean mine =
        found.isRegularFile()
            && found.owner().getName().equals(System.getProperty("user.name"))
            && found.permissions().equals(OWNER_ONLY)
            && found.size() <= 256;
    if (!mine) {
      return null; // replaced by a new token in a file of our own
    }
    String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    return token.matches("[A-Za-z0-9_-]{32,}") ? token : null;
  }

  /** The sign-in URL a person opens. */
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

  /** Opens a session: the {@code Set-Cookie} value that carries it. */
  String openSession(Instant now) {
    sessions.values().removeIf(expiry -> expiry.isBefore(now));
    while (sessions.size() >= MAX_SESSIONS) {
      sessions.entrySet().stream()
          .min(Map.Entry.comparingByValue())
          .ifPresent(oldest -> sessions.remove(oldest.getKey()));
    }
    String id = random(32);
    sessions.put(id, now.plus(SESSION_LIFETIME));
    return cookie
        + "="
        + id
        + "; HttpOnly; SameSite=Strict; Path=/; Max-Age="
        + SESSION_LIFETIME.toSeconds();
  }

  /** Whether the request carries a live session, or the token as a bearer (scripts). */
  boolean signedIn(HttpExchange exchange, Instant now) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization != null && authorization.startsWith("Bearer ")) {
      return tokenMatches(authorization.substring("Bearer ".length()).strip());
    }
    for (String header : exchange.getRequestHeaders().getOrDefault("Cookie", List.of())) {
      for (String part : header.split(";")) {
        String[] pair = part.strip().split("=", 2);
        if (pair.length == 2 && pair[0].equals(cookie)) {
          Instant expiry = sessions.get(pair[1]);
          if (expiry != null && expiry.isAfter(now)) {
            return true;
          }
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

  private static String random(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
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
