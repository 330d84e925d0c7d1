package com.example.hello;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** This module's jar dropped into a plugins folder of the real daemon, used through MCP. */
final class PluginFolderIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;

  private Path pluginsWithHello() throws IOException {
    Path plugins = Files.createDirectories(home.resolve("plugins"));
    Path jar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    return plugins;
  }

  /** A jar whose services file names a class that is not in it: a broken plugin. */
  private static void brokenPlugin(Path plugins) throws IOException {
    try (JarOutputStream out =
        new JarOutputStream(Files.newOutputStream(plugins.resolve("broken.jar")))) {
      out.putNextEntry(new JarEntry("META-INF/services/dev.schedulerd.api.executor.TaskExecutor"));
      out.write("com.example.missing.GoneExecutor\n".getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
  }

  private Process daemon(Path plugins) throws IOException {
    Path config = home.resolve("schedulerd.properties");
    Files.writeString(config, "executors.hello.enabled=true\n"); // plug-ins are off until enabled
    return daemon(plugins, config);
  }

  private Process daemon(Path plugins, Path config) throws IOException {
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            System.getProperty("schedulerd.jar"),
            "--store",
            "memory",
            "--plugins",
            plugins.toString(),
            "--config",
            config.toString())
        .redirectError(home.resolve("daemon.log").toFile())
        .start();
  }

  private Client initialized(Process process) throws IOException {
    Client client = new Client(process);
    client.request(
        "initialize",
        "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}");
    client.notify("notifications/initialized");
    return client;
  }

  @Test
  void aPlugin_isOffUntilTheOperatorEnablesIt() throws Exception {
    Path plugins = pluginsWithHello();
    Path empty = Files.writeString(home.resolve("empty.properties"), "");
    Process process = daemon(plugins, empty);
    try {
      Client client = initialized(process);
      JsonNode added =
          client.call(
              "scheduler_add_task",
              "{\"task_id\":\"greet\",\"task_type\":\"hello\",\"config\":{\"name\":\"x\"}}");
      assertThat(added.path("isError").asBoolean()).as(added.toString()).isTrue();
      assertThat(added.toString())
          .contains("executor 'hello' is disabled")
          .contains("executors.hello.enabled=true");
    } finally {
      process.getOutputStream().close();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aPluginJarOthersMayWrite_stopsStartupSayingHowToFixIt() throws Exception {
    Path plugins = pluginsWithHello();
    Path jar = plugins.resolve(Path.of(System.getProperty("plugin.jar")).getFileName());
    Files.setPosixFilePermissions(
        jar, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    Process process = daemon(plugins);
    process.getOutputStream().close();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isNotZero();
    assertThat(Files.readString(home.resolve("daemon.log")))
        .contains("is writable by every user")
        .contains("chmod go-w " + jar);
    Files.setPosixFilePermissions(
        jar, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(
        plugins, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxr-x"));
    Process again = daemon(plugins);
    again.getOutputStream().close();
    assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(again.exitValue()).isNotZero();
    assertThat(Files.readString(home.resolve("daemon.log")))
        .contains("the plugins folder " + plugins + " is writable by its group");
  }

  /** A minimal MCP client over the process's pipes. */
  private static final class Client {
    private final OutputStream in;
    private final BufferedReader out;
    private int id;

    Client(Process process) {
      this.in = process.getOutputStream();
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    JsonNode request(String method, String params) throws IOException {
      int mine = ++id;
      in.write(
          ("{\"jsonrpc\":\"2.0\",\"id\":"
                  + mine
                  + ",\"method\":\""
                  + method
                  + "\",\"params\":"
                  + params
                  + "}\n")
              .getBytes(StandardCharsets.UTF_8));
      in.flush();
      while (true) {
        String line = out.readLine();
        assertThat(line).as("an answer to " + method).isNotNull();
        JsonNode message = JSON.readTree(line);
        if (message.path("id").asInt(-1) == mine) {
          return message;
        }
      }
    }

    void notify(String method) throws IOException {
      in.write(
          ("{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\"}\n")
              .getBytes(StandardCharsets.UTF_8));
      in.flush();
    }

    JsonNode call(String tool, String args) throws IOException {
      return request("tools/call", "{\"name\":\"" + tool + "\",\"arguments\":" + args + "}")
          .path("result");
    }
  }

  @Test
  void helloPlugin_isFoundListedAndRunsATask_aBrokenOneIsSkipped() throws Exception {
    Path plugins = pluginsWithHello();
    brokenPlugin(plugins);
    Process process = daemon(plugins);
    try {
      Client client = new Client(process);
      client.request(
          "initialize",
          "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}");
      client.notify("notifications/initialized");

      JsonNode executors =
          client.call("scheduler_list_executors", "{}").path("structuredContent").path("executors");
      JsonNode hello = null;
      for (JsonNode e : executors) {
        if (e.path("kind").asText().equals("hello")) {
          hello = e;
        }
      }
      assertThat(hello).as("hello is listed: " + executors).isNotNull();
      assertThat(hello.path("source").asText())
          .endsWith(Path.of(System.getProperty("plugin.jar")).getFileName().toString());
      assertThat(hello.path("enabled").asBoolean()).isTrue();

      JsonNode added =
          client.call(
              "scheduler_add_task",
              "{\"task_id\":\"greet\",\"task_type\":\"hello\",\"config\":{\"name\":\"plugin world\"}}");
      assertThat(added.path("isError").asBoolean()).as(added.toString()).isFalse();
      JsonNode task =
          org.awaitility.Awaitility.await("the hello task completes")
              .atMost(java.time.Duration.ofSeconds(30))
              .pollInterval(java.time.Duration.ofMillis(100))
              .until(
                  () ->
                      client
                          .call("scheduler_get_task", "{\"task_id\":\"greet\"}")
                          .path("structuredContent")
                          .path("task"),
                  t -> t.path("status").asText().equals("completed"));
      assertThat(task.path("status").asText()).isEqualTo("completed");
      assertThat(task.path("last_run").path("result").asText()).isEqualTo("Hello, plugin world!");
    } finally {
      process.getOutputStream().close();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(process.exitValue()).isZero();
    assertThat(Files.readString(home.resolve("daemon.log")))
        .contains("Skipping a TaskExecutor plug-in that failed to load")
        .contains("com.example.missing.GoneExecutor");
  }

  @Test
  void twoPluginsOfOneKind_stopStartupNamingBothJars() throws Exception {
    Path plugins = pluginsWithHello();
    Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("hello-copy.jar"));
    Process process = daemon(plugins);
    process.getOutputStream().close();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isNotZero();
    String log = Files.readString(home.resolve("daemon.log"));
    assertThat(log)
        .contains("two plugin jars provide com.example.hello.HelloExecutor")
        .contains("hello-copy.jar")
        .contains(Path.of(System.getProperty("plugin.jar")).getFileName().toString());
    assertThat(List.of(log.split("\n"))).noneMatch(l -> l.startsWith("\tat "));
  }
}
