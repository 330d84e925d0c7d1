package dev.schedulerd.mcp.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutboxTest {
  private static byte[] line(String text) {
    return (text + "\n").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writesEveryLineInOrder() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Outbox outbox = new Outbox(out, "test-out", 1024, () -> {});
    for (int i = 0; i < 100; i++) {
      assertThat(outbox.offer(line("m" + i))).isTrue();
    }
    assertThat(outbox.awaitWritten(Duration.ofSeconds(10))).isTrue();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      expected.append("m").append(i).append('\n');
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(expected.toString());
    outbox.close();
  }

  @Test
  void aClientThatStopsReading_overflowsItsOwnOutboxOnly_andTheOfferNeverBlocks() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    OutputStream stuck =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            try {
              never.await(); // a client that does not read: the write never returns
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
          }
        };
    AtomicInteger overflows = new AtomicInteger();
    Outbox outbox = new Outbox(stuck, "test-stuck", 100, overflows::incrementAndGet);

    int accepted = 0;
    for (int i = 0; i < 50; i++) {
      accepted += outbox.offer(line("0123456789")) ? 1 : 0;
    }

    assertThat(accepted)
        .as("what fits: one line being written, 100 bytes waiting")
        .isBetween(9, 10);
    assertThat(overflows).hasValue(1);
    assertThat(outbox.offer(line("after"))).as("closed once overflowed").isFalse();
    assertThat(outbox.awaitWritten(Duration.ofMillis(100))).isFalse();
    never.countDown();
  }
}
