package dev.schedulerd.api.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

final class RunSecretsTest {
  private static final String SECRET = "p@ss word/\"quoted\"&more";
  private final RunSecrets secrets =
      new RunSecrets(
          new EnvPolicy("executors.x.allow-env", List.of("API_TOKEN", "HOOK_*", "PATH")),
          Map.of("API_TOKEN", SECRET, "HOOK_ID", "hook-42", "PATH", "/usr/bin", "LD_PRELOAD", "x"));

  @Test
  void resolve_replacesAllowedReferences() {
    assertThat(secrets.resolve("Bearer ${env:API_TOKEN} ${env:HOOK_ID}", "config.h"))
        .isEqualTo("Bearer " + SECRET + " hook-42");
  }

  @Test
  void resolve_aNameTheOperatorDidNotAllow_isRefusedNamingTheKey_neverTheValue() {
    RunSecrets none = new RunSecrets(EnvPolicy.none("http"), Map.of("SCHEDULERD_STORE", "pg-pw"));
    assertThatThrownBy(() -> none.resolve("http://x/${env:SCHEDULERD_STORE}", "config.url"))
        .isInstanceOf(EnvReferenceException.class)
        .hasMessageContaining("config.url")
        .hasMessageContaining("SCHEDULERD_STORE")
        .hasMessageContaining("executors.http.allow-env (now: none)")
        .hasMessageNotContaining("pg-pw");
  }

  @Test
  void resolve_anUnsetVariable_isRefusedNamingIt() {
    RunSecrets unset = new RunSecrets(new EnvPolicy("k", List.of("GONE")), Map.of());
    assertThatThrownBy(() -> unset.resolve("${env:GONE}", "config.body"))
        .hasMessageContaining("GONE")
        .hasMessageContaining("not set");
  }

  @Test
  void policy_globsNeverMatchSensitiveNames() {
    EnvPolicy all = new EnvPolicy("k", List.of("*"));
    assertThat(all.allows("API_TOKEN")).isTrue();
    assertThat(all.allows("LD_PRELOAD")).isFalse();
    assertThat(all.allows("BASH_ENV")).isFalse();
    assertThat(all.allows("PATH")).isFalse();
    assertThat(new EnvPolicy("k", List.of("PATH")).allows("PATH")).isTrue();
    assertThat(new EnvPolicy("k", List.of("HOOK_*")).allows("HOOK_ID")).isTrue();
    assertThat(new EnvPolicy("k", List.of("HOOK_*")).allows("API_TOKEN")).isFalse();
  }

  @Test
  void mask_hidesEveryFormOfAResolvedValue() {
    secrets.resolve("${env:API_TOKEN}", "config.url");
    byte[] bytes = SECRET.getBytes(StandardCharsets.UTF_8);
    String text =
        "raw "
            + SECRET
            + " url "
            + URLEncoder.encode(SECRET, StandardCharsets.UTF_8)
            + " pct "
            + URLEncoder.encode(SECRET, StandardCharsets.UTF_8).replace("+", "%20")
            + " json "
            + SECRET.replace("\"", "\\\"")
            + " b64 "
            + Base64.getEncoder().encodeToString(bytes);
    String masked = secrets.mask(text);
    assertThat(masked).doesNotContain("p@ss").doesNotContain("p%40ss");
    assertThat(masked).doesNotContain(Base64.getEncoder().encodeToString(bytes));
    assertThat(masked).contains("raw ${env:API_TOKEN} url ${env:API_TOKEN}");
  }

  @Test
  void mask_hidesLowerCasePercentEncodingToo() {
    SecretMask mask = SecretMask.of(Map.of("T", "a/b c"));
    assertThat(mask.mask("x a%2fb%20c y a%2Fb+c")).isEqualTo("x ${env:T} y ${env:T}");
  }

  @Test
  void mask_ofAResult_keepsItsKind() {
    SecretMask mask = SecretMask.of(Map.of("HOOK_ID", "hook-42"));
    ExecutionResult failed = mask.mask(ExecutionResult.permanentFailure("no hook-42 here"));
    assertThat(failed).isEqualTo(ExecutionResult.permanentFailure("no ${env:HOOK_ID} here"));
  }

  @Test
  void maskingLogger_masksMessagesArgumentsAndThrowables() {
    List<String> seen = new ArrayList<>();
    Logger recording =
        (Logger)
            Proxy.newProxyInstance(
                Logger.class.getClassLoader(),
                new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("warn")) {
                    for (Object arg : args) {
                      seen.add(
                          arg instanceof Object[] a ? List.of(a).toString() : String.valueOf(arg));
                    }
                  }
                  return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
    Logger logger = secrets.maskingLogger(recording);
    secrets.resolve("${env:API_TOKEN}", "config.url");
    logger.warn("token " + SECRET);
    logger.warn("token {} and {}", SECRET, 7);
    logger.warn("a", "b", SECRET);
    logger.warn("failed", new IllegalStateException("bad " + SECRET, new RuntimeException(SECRET)));
    assertThat(String.join("\n", seen)).doesNotContain("p@ss").contains("${env:API_TOKEN}");
  }

  @Test
  void escapeControls_keepsATaskTextOnOneLine() {
    assertThat(RunSecrets.escapeControls("done\n2026-12-05 ERROR forged\u001b[31m red\u2028"))
        .isEqualTo("done\\n2026-12-05 ERROR forged\\u001b[31m red\\u2028");
    assertThat(RunSecrets.escapeControls("plain text")).isEqualTo("plain text");
  }

  @Test
  void mask_hidesAPartOfAValueAtEitherEnd_whereACutMayHaveSplitIt() {
    SecretMask mask = SecretMask.of(Map.of("T", "SeCrEt-123456"));
    assertThat(mask.mask("eCrEt-123456 and more")).isEqualTo("… and more");
    assertThat(mask.mask("some text then SeCrEt-12")).isEqualTo("some text then …");
    assertThat(mask.mask("ends with Se"))
        .as("three characters or fewer are left")
        .isEqualTo("ends with Se");
    assertThat(mask.mask("plain")).isEqualTo("plain");
  }

  @Test
  void daemonMask_hidesOtherLongValuesToo_butNotPathsOrShortOnes() {
    Map<String, String> env =
        Map.of(
            "API_TOKEN", "tok",
            "DB_PASSWORD", "Db-PaSs-987654",
            "DEBUG", "1",
            "PATH", "/usr/local/bin:/usr/bin",
            "HOME", "/home/someone",
            "SCHEDULERD_ZONE", "Europe/Berlin",
            "SCHEDULERD_STORE", "postgres:jdbc:postgresql://db/x?password=hunter22");
    SecretMask mask = SecretMask.daemon(env, "API_TOKEN"::equals);
    assertThat(mask.mask("a tok b Db-PaSs-987654 c hunter22 1 /home/someone Europe/Berlin"))
        .contains("${env:API_TOKEN}")
        .contains("${env:DB_PASSWORD}")
        .doesNotContain("hunter22")
        .contains(" 1 /home/someone Europe/Berlin");
  }
}
