package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The greeting that tells a front-end what answers on the socket. */
class DaemonStarterTest {
  @TempDir Path dir;

  private DaemonStarter starter() {
    return new DaemonStarter(
        DaemonPaths.in(dir.resolve("run"), "sqlite"),
        List.of("true"),
        Map.of(),
        dir.resolve("log"),
        "1.0 built then",
        Map.of(),
        null,
        Duration.ofSeconds(5));
  }

  /** A socket that answers the first line it reads with {@code answer}, then closes. */
  private SocketChannel serverAnswering(String answer) throws IOException {
    Path socket = dir.resolve("s.sock");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread.ofVirtual()
        .start(
            () -> {
              try (server;
                  SocketChannel peer = server.accept()) {
                FrontEnd.readLine(peer);
                peer.write(ByteBuffer.wrap((answer + "\n").getBytes(StandardCharsets.UTF_8)));
              } catch (IOException e) {
                // the test ends
              }
            });
    SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
    client.connect(UnixDomainSocketAddress.of(socket));
    return client;
  }

  @Test
  void aRefusal_isAFailure_notADaemonOfUnknownVersion() throws IOException {
    // What a full daemon (or one of another user's) answers before it closes.
    try (SocketChannel refused =
        serverAnswering(
            "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
                + "\"message\":\"this daemon serves at most 64 sessions at once\"}}")) {
      assertThatThrownBy(() -> starter().greetOrClose(refused))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("refused the connection: this daemon serves at most 64");
    }
  }

  @Test
  void somethingElseOnTheSocket_isNotTakenForADaemon() throws IOException {
    try (SocketChannel other = serverAnswering("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}")) {
      assertThatThrownBy(() -> starter().greetOrClose(other))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("is not a schedulerd daemon");
    }
  }
}
