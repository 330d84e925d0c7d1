package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonOptionsTest {
  @Test
  void namesEachSettingThatDiffers_withBothValues() {
    assertThat(DaemonOptions.differences(Map.of("zone", "UTC"), Map.of("zone", "UTC"))).isNull();
    assertThat(
            DaemonOptions.differences(
                Map.of("zone", "Europe/Berlin", "metrics-port", "9464"),
                Map.of("zone", "UTC", "node-id", "laptop")))
        .isEqualTo(
            "metrics-port=9464 (here unset), node-id=(unset) (here laptop),"
                + " zone=Europe/Berlin (here UTC)");
  }
}
