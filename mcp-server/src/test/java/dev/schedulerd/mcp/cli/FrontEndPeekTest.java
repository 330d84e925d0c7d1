package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the front-end reads of a line: id, method and a subscription's uri, nothing else. */
class FrontEndPeekTest {
  @Test
  void peek_readsIdMethodAndUri_whereverTheyStand() {
    assertThat(
            FrontEnd.peek(
                "{\"params\":{\"a\":[1,{\"uri\":\"no\"}],\"uri\":\"schedulerd://tasks/x\"},"
                    + "\"method\":\"resources/subscribe\",\"jsonrpc\":\"2.0\",\"id\":7}"))
        .isEqualTo(new FrontEnd.Peek("resources/subscribe", "7", "schedulerd://tasks/x"));
    assertThat(FrontEnd.peek("{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"result\":{}}"))
        .isEqualTo(new FrontEnd.Peek(null, "\"a\\\"b\"", null));
    assertThat(FrontEnd.peek("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
        .isEqualTo(new FrontEnd.Peek("notifications/initialized", null, null));
  }

  @Test
  void peek_ofWhatIsNotAnObject_isEmpty_andOfACutLine_keepsWhatCameFirst() {
    assertThat(FrontEnd.peek("{not json")).isEqualTo(new FrontEnd.Peek(null, null, null));
    assertThat(FrontEnd.peek("[1,2]")).isEqualTo(new FrontEnd.Peek(null, null, null));
    assertThat(FrontEnd.peek("{\"id\":3,\"method\":\"tools/call\",\"params\":{\"x\":"))
        .isEqualTo(new FrontEnd.Peek("tools/call", "3", null));
  }
}
