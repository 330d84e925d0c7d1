package dev.schedulerd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MachineCpuTest {

  @Test
  void busyCores_areTheBusyShareOfTheJiffiesBetweenSamples_timesTheCores() {
    double busy =
        MachineCpu.busyCores(new MachineCpu.Sample(100, 1_000), new MachineCpu.Sample(400, 2_000));

    assertThat(busy).isCloseTo(0.3 * MachineCpu.cores(), within(1e-9));
    assertThat(MachineCpu.describe(busy)).endsWith(" of " + MachineCpu.cores() + " cores busy");
  }

  @Test
  void withoutCounters_nothingIsClaimed() {
    double busy =
        MachineCpu.busyCores(new MachineCpu.Sample(-1, -1), new MachineCpu.Sample(400, 2_000));

    assertThat(busy).isNaN();
    assertThat(MachineCpu.describe(busy)).isEqualTo("cores busy: not measured");
  }

  @Test
  void thisMachinesCounters_areRead() {
    assumeTrue(Files.isReadable(Path.of("/proc/stat")), "a Linux kernel's counters");
    MachineCpu.Sample sample = MachineCpu.sample();

    assertThat(sample.total()).isPositive();
    assertThat(MachineCpu.cores()).isPositive();
    assertThat(sample.busy()).isBetween(0L, sample.total());
  }
}
