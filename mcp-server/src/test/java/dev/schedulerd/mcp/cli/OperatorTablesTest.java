package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class OperatorTablesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void columnsAreAligned_andInstantsShownInTheTerminalsZone() throws Exception {
    String text =
        OperatorTables.render(
            "tasks",
            JSON.readTree(
                "{\"tasks\":[{\"task_id\":\"nightly\",\"status\":\"scheduled\","
                    + "\"next\":\"2026-07-01T00:30Z\"},{\"task_id\":\"a\",\"status\":\"failed\","
                    + "\"priority\":\"critical\","
                    + "\"last\":\"failed\"}],\"count\":2}"),
            ZoneId.of("Europe/Berlin"));

    assertThat(text)
        .isEqualTo(
            "ID       STATUS     PRIORITY  NEXT RUN                  LAST\n"
                + "nightly  scheduled  medium    2026-07-01 02:30:00 CEST\n"
                + "a        failed     critical                            failed\n"
                + "2 task(s)\n");
  }

  @Test
  void onlyInstantsAreConverted() {
    ZoneId tokyo = ZoneId.of("Asia/Tokyo");
    assertThat(OperatorTables.local("2026-12-06T03:00:00.5Z", tokyo))
        .isEqualTo("2026-12-06 12:00:00 JST");
    assertThat(OperatorTables.local("scheduled", tokyo)).isEqualTo("scheduled");
    assertThat(OperatorTables.local("2026-12-06", tokyo)).isEqualTo("2026-12-06");
    assertThat(OperatorTables.table(List.of(List.of("a", "bb"), List.of("ccc", "d"))))
        .isEqualTo("a    bb\nccc  d\n");
  }

  @Test
  void badCommandLines_areUsageErrors_namingWhatIsWrong() {
    assertThatThrownBy(() -> OperatorCommand.parse(new String[] {"task"}))
        .isInstanceOf(CommandLineArgs.UsageException.class)
        .hasMessageContaining("Usage: schedulerd task ID");
    assertThatThrownBy(() -> OperatorCommand.parse(new String[] {"tasks", "--limit"}))
        .hasMessageContaining("--limit needs a value");
    assertThatThrownBy(() -> OperatorCommand.parse(new String[] {"runs", "a", "b"}))
        .hasMessageContaining("Usage: schedulerd runs [ID]");
    OperatorCommand.Request request =
        OperatorCommand.parse(new String[] {"tasks", "--status=failed", "--json", "--limit", "5"});
    assertThat(request.options()).containsEntry("status", "failed").containsEntry("limit", "5");
    assertThat(request.json()).isTrue();
  }
}
