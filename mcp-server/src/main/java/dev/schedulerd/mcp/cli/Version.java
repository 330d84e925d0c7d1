package dev.schedulerd.mcp.cli;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * This build: its version (the jar's manifest) and when it was built, and which of two builds is
 * the newer, for a front-end that meets a daemon of another build.
 */
final class Version {
  private Version() {}

  static String current() {
    String version = Main.class.getPackage().getImplementationVersion();
    return version != null ? version : "dev";
  }

  /**
   * This build: the version and when the jar was built, so that two builds of one version (a
   * checkout rebuilt) tell each other apart. The system property {@code schedulerd.build} stands in
   * for it (tests of a front-end meeting another build's daemon).
   */
  static String build() {
    String given = System.getProperty("schedulerd.build");
    if (given != null && !given.isBlank()) {
      return given;
    }
    try (java.io.InputStream manifest = Main.class.getResourceAsStream("/META-INF/MANIFEST.MF")) {
      String built =
          manifest == null
              ? null
              : new java.util.jar.Manifest(manifest).getMainAttributes().getValue("Build-Time");
      return current() + (built == null ? "" : BUILT + built);
    } catch (java.io.IOException e) {
      return current();
    }
  }

  private static final String BUILT = " built ";

  /**
   * Whether build {@code a} is newer than build {@code b}: a higher version (a release above its
   * snapshots), or the same version built later. False when either cannot be read (a daemon of an
   * unknown build is never replaced behind its back), so an older version rebuilt later never takes
   * over a newer one's store.
   */
  static boolean isNewer(String a, String b) {
    int[] versionA = versionOf(a);
    int[] versionB = versionOf(b);
    if (versionA == null || versionB == null) {
      return false;
    }
    int byVersion = java.util.Arrays.compare(versionA, versionB);
    if (byVersion != 0) {
      return byVersion > 0;
    }
    Instant builtA = builtAt(a);
    Instant builtB = builtAt(b);
    return builtA != null && builtB != null && builtA.isAfter(builtB);
  }

  /**
   * {@code 1.2.3} as {1, 2, 3, 1} and {@code 1.2.3-SNAPSHOT} (any qualifier) as {1, 2, 3, 0}; null
   * when it is not of that form.
   */
  private static int @Nullable [] versionOf(String build) {
    int at = build.indexOf(BUILT);
    String version = (at < 0 ? build : build.substring(0, at)).strip();
    int dash = version.indexOf('-');
    String numbers = dash < 0 ? version : version.substring(0, dash);
    String[] parts = numbers.split("\\.", -1);
    if (parts.length == 0 || parts.length > 4) {
      return null;
    }
    int[] parsed = new int[5];
    for (int i = 0; i < parts.length; i++) {
      if (!parts[i].matches("\\d{1,6}")) {
        return null;
      }
      parsed[i] = Integer.parseInt(parts[i]);
    }
    parsed[4] = dash < 0 ? 1 : 0;
    return parsed;
  }

  private static @Nullable Instant builtAt(String build) {
    int at = build.lastIndexOf(BUILT);
    if (at < 0) {
      return null;
    }
    try {
      return Instant.parse(build.substring(at + BUILT.length()).strip());
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }
}
