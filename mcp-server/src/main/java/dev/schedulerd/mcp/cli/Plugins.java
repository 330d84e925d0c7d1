package dev.schedulerd.mcp.cli;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins folder: every {@code *.jar} in it joins one class loader (child of the daemon's), in
 * which {@link java.util.ServiceLoader} finds third-party executors and stores. A missing folder
 * means no plugins.
 */
final class Plugins {
  private static final Logger log = LoggerFactory.getLogger(Plugins.class);

  private Plugins() {}

  private static final List<String> SERVICE_FILES =
      List.of(
          "META-INF/services/dev.schedulerd.api.executor.TaskExecutor",
          "META-INF/services/dev.schedulerd.api.store.TaskStoreProvider");

  /**
   * Two jars that provide the same class (two versions of one plugin, say) would leave it to
   * class-path order which one runs: refuse, naming both.
   */
  private static void refuseDuplicates(List<URL> jars) {
    java.util.Map<String, String> providerToJar = new java.util.HashMap<>();
    for (URL url : jars) {
      String jar;
      try {
        jar = Path.of(url.toURI()).toString();
      } catch (java.net.URISyntaxException e) {
        jar = url.toString();
      }
      try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar)) {
        for (String services : SERVICE_FILES) {
          java.util.jar.JarEntry entry = file.getJarEntry(services);
          if (entry == null) {
            continue;
          }
          String text =
              new String(
                  file.getInputStream(entry).readAllBytes(),
                  java.nio.charset.StandardCharsets.UTF_8);
          for (String line : text.split("\n")) {
            String provider = line.replaceAll("#.*", "").strip();
            if (provider.isEmpty()) {
              continue;
            }
            String other = providerToJar.putIfAbsent(provider, jar);
            if (other != null) {
              throw new IllegalStateException(
                  "two plugin jars provide "
                      + provider
                      + ": "
                      + other
                      + " and "
                      + jar
                      + ". Remove one of them (an older version?) from the plugins folder.");
            }
          }
        }
      } catch (IOException e) {
        log.error("Skipping the check of plugin jar {}: it cannot be read ({})", jar, e.toString());
      }
    }
  }

  /**
   * A plug-in runs as the daemon, with its rights: a folder or jar that another user may write (or
   * that another user owns, who may change its mode) would let that user run code as this one. Root
   * may own them: root can change any file anyway.
   */
  static void refuseWritableByOthers(Path path) {
    java.nio.file.attribute.PosixFileAttributes attributes;
    try {
      attributes =
          Files.readAttributes(
              path,
              java.nio.file.attribute.PosixFileAttributes.class,
              java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException e) {
      return; // no POSIX permissions on this file system (Windows): nothing to check here
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the permissions of " + path + ": " + e, e);
    }
    String what = attributes.isDirectory() ? "the plugins folder" : "the plugin jar";
    if (attributes.isSymbolicLink()) {
      throw new IllegalStateException(
          what + " " + path + " is a symbolic link; put the jar itself in the plugins folder");
    }
    var permissions = attributes.permissions();
    boolean groupWrite =
        permissions.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE);
    boolean othersWrite =
        permissions.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
    if (groupWrite || othersWrite) {
      throw new IllegalStateException(
          what
              + " "
              + path
              + " is writable by "
              + (othersWrite ? "every user" : "its group")
              + " (mode "
              + java.nio.file.attribute.PosixFilePermissions.toString(permissions)
              + "): whoever can write there could run code as this daemon. Fix it with: chmod"
              + " go-w "
              + path);
    }
    String owner = attributes.owner().getName();
    String self = System.getProperty("user.name");
    if (!owner.equals(self) && !owner.equals("root")) {
      throw new IllegalStateException(
          what
              + " "
              + path
              + " belongs to the user "
              + owner
              + ", not to "
              + self
              + " who runs this daemon: its owner could change it and run code as this daemon."
              + " Fix it with: chown "
              + self
              + " "
              + path);
    }
  }

  /** {@code ~/.memory/schedulerd-plugins}, next to the default store. */
  static Path defaultFolder() {
    return dev.schedulerd.store.json.SeedFiles.home()
        .resolve(".memory")
        .resolve("schedulerd-plugins");
  }

  /** A class loader over the folder's jars, or {@code parent} when there are none. */
  static ClassLoader loaderFor(Path folder, ClassLoader parent) {
    if (!Files.isDirectory(folder)) {
      return parent;
    }
    List<URL> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
        jars.add(jar.toUri().toURL());
      }
    } catch (MalformedURLException e) {
      throw new IllegalStateException("a plugin path cannot be a URL: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the plugins folder " + folder + ": " + e, e);
    }
    if (jars.isEmpty()) {
      return parent;
    }
    refuseWritableByOthers(folder);
    for (URL jar : jars) {
      try {
        refuseWritableByOthers(Path.of(jar.toURI()));
      } catch (java.net.URISyntaxException e) {
        throw new IllegalStateException("a plugin path cannot be read back: " + jar, e);
      }
    }
    refuseDuplicates(jars);
    log.info("Loading {} plugin jar(s) from {}: {}", jars.size(), folder, jars);
    return new URLClassLoader("schedulerd-plugins", jars.toArray(URL[]::new), parent);
  }
}
