package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedulerd.runtime.ExecutorRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every config block a person may paste from the README parses and means what it says. */
final class ReadmeConfigTest {
  private static final Pattern BLOCK = Pattern.compile("```properties\n(.*?)```", Pattern.DOTALL);

  @TempDir Path home;

  static List<String> blocks() throws Exception {
    Path readme = Path.of("..", "README.md");
    List<String> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(Files.readString(readme));
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  @Test
  void everyPropertiesBlock_isAcceptedByTheDaemonsOwnParsers() throws Exception {
    List<String> blocks = blocks();
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(5);
    for (String block : blocks) {
      Path file = home.resolve("block.properties");
      Files.writeString(file, block);
      Settings settings = Settings.load(file.toString(), Map.of(), home);
      ExecutorRegistry.load(Main.class.getClassLoader()).configure(settings.executorSettings());
      for (String line : block.split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          assertThat(line).as("a value with a trailing comment").doesNotContain(" #");
        }
      }
    }
  }

  @Test
  void theExecutorBlocks_enableWhatTheySay() throws Exception {
    String all = String.join("\n", blocks());
    Path file = home.resolve("all.properties");
    Files.writeString(file, all);
    Settings settings = Settings.load(file.toString(), Map.of(), home);
    ExecutorRegistry registry =
        ExecutorRegistry.load(Main.class.getClassLoader()).configure(settings.executorSettings());
    assertThat(registry.isEnabled("shell")).isTrue();
    assertThat(registry.isEnabled("mcp")).isTrue();
    assertThat(registry.envPolicy("http").allows("API_TOKEN")).isTrue();
    assertThat(registry.envPolicy("http").allows("HOOK_ID")).isTrue();
    assertThat(registry.envPolicy("http").allows("DB_PASSWORD")).isFalse();
    assertThat(settings.executorSettings())
        .containsEntry("http.allow-hosts", "api.example.com,*.hooks.example.org,127.0.0.1:8080");
  }

  @Test
  void everyJsonBlock_parses_andTheClientConfigsNameTheLauncher() throws Exception {
    Matcher m =
        Pattern.compile("```json\n(.*?)```", Pattern.DOTALL)
            .matcher(Files.readString(Path.of("..", "README.md")));
    int blocks = 0;
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    while (m.find()) {
      var tree = json.readTree(m.group(1));
      blocks++;
      var servers = tree.has("servers") ? tree.path("servers") : tree.path("mcpServers");
      if (!servers.isMissingNode()) {
        assertThat(servers.path("schedulerd").path("command").asText()).endsWith("/schedulerd");
        if (tree.has("servers")) { // VS Code's mcp.json
          assertThat(servers.path("schedulerd").path("type").asText()).isEqualTo("stdio");
        }
      }
    }
    assertThat(blocks).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aTrailingComment_isRefusedSayingWhereCommentsGo() throws Exception {
    Path file = home.resolve("bad.properties");
    Files.writeString(file, "executors.http.allow-hosts=127.0.0.1   # * allows any host\n");
    assertThatThrownBy(() -> Settings.load(file.toString(), Map.of(), home))
        .hasMessageContaining("executors.http.allow-hosts")
        .hasMessageContaining("on its own line");
  }
}
