package dev.schedulerd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {

  @Test
  void aMissedTarget_isPrintedWithWhatBoundsIt_aMetOneWithout() {
    Summary summary = new Summary();
    summary.add(
        "W3",
        "durable adds, 1 thread",
        "3,100/s",
        "—",
        "≥ 4,000/s",
        Summary.Verdict.MISSED,
        "one fsync per acknowledged add");
    summary.add(
        "W7", "MCP calls/s", "22,000/s", "—", "≥ 5,000/s", Summary.Verdict.MET, "the transport");

    List<String> table = summary.table();

    assertThat(table)
        .contains(
            "| workload | measure | schedulerd | ratio to peers | target | this run | what bounds it"
                + " (missed targets) |")
        .contains(
            "| W3 | durable adds, 1 thread | 3,100/s | — | ≥ 4,000/s | **missed** | one fsync per"
                + " acknowledged add |")
        .contains("| W7 | MCP calls/s | 22,000/s | — | ≥ 5,000/s | met | — |");
  }
}
