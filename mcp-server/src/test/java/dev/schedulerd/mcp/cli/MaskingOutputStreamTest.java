package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.executor.SecretMask;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class MaskingOutputStreamTest {
  @Test
  void aLogLineQuotingASecret_isWrittenMasked_evenWhenItArrivesInPieces() {
    ByteArrayOutputStream target = new ByteArrayOutputStream();
    PrintStream err =
        new PrintStream(
            new MaskingOutputStream(target, SecretMask.of(Map.of("API_TOKEN", "SeCrEt-123456"))),
            true,
            StandardCharsets.UTF_8);
    err.print("WARN McpClientSession - error {\"t\": \"SeCr");
    err.flush(); // a partial line waits: the value may still be coming
    err.print("Et-123456\"}");
    err.println();
    err.println("next line SeCrEt-123456 and U2VDckV0LTEyMzQ1Ng==");
    String written = target.toString(StandardCharsets.UTF_8);
    assertThat(written)
        .doesNotContain("SeCrEt-123456")
        .doesNotContain("U2VDckV0LTEyMzQ1Ng==")
        .isEqualTo(
            "WARN McpClientSession - error {\"t\": \"${env:API_TOKEN}\"}\n"
                + "next line ${env:API_TOKEN} and ${env:API_TOKEN}\n");
  }
}
