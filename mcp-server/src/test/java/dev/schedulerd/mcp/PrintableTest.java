package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class PrintableTest {
  @Test
  void controlAndFormatCharacters_becomeQuestionMarks() {
    assertThat(Printable.of("a\nb\u001b[2Jc\u202ed")).isEqualTo("a?b?[2Jc?d");
  }

  @Test
  void cutting_keepsWholeCharacters() {
    String rocket = "\uD83D\uDE80"; // one character, two chars
    assertThat(Printable.of("ab" + rocket + "cd", 3)).isEqualTo("ab…");
    assertThat(Printable.of("ab" + rocket + "cd", 4)).isEqualTo("ab" + rocket + "…");
    assertThat(Printable.of("short", 10)).isEqualTo("short");
  }
}
