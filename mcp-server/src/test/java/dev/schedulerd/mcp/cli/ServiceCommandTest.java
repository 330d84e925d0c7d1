package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** The service files schedulerd writes: a systemd user unit systemd accepts, a launchd agent. */
class ServiceCommandTest {
  @TempDir Path home;

  private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  private ServiceCommand service(boolean macOs, String... daemonArgs) {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(java, "-jar", home.resolve("my jars/schedulerd.jar").toString(), "daemon"));
    command.addAll(List.of(daemonArgs));
    return new ServiceCommand(
        command,
        "postgres:jdbc:postgresql://db/s?user=u&password=p%1",
        "default",
        home,
        macOs,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  @Test
  void theSystemdUnit_restartsOnFailure_andQuotesEveryWordOfItsCommand() {
    String unit = service(false, "--zone", "/tmp/100% $HOME").systemdUnit();
    assertThat(unit)
        .contains("Restart=on-failure")
        .contains("RestartPreventExitStatus=3")
        .as("restarted for as long as its database is down, not given up after five tries")
        .contains("StartLimitIntervalSec=0\n\n[Service]")
        .contains(
            "Environment=\"SCHEDULERD_STORE=postgres:jdbc:postgresql://db/s?user=u&password=p%%1\"")
        .contains("WantedBy=default.target")
        .as("its daemon refuses to hand over to a newer build, naming the restart")
        .contains("Environment=\"SCHEDULERD_SERVICE=systemctl --user restart schedulerd.service\"")
        .contains("\"" + home.resolve("my jars/schedulerd.jar") + "\"")
        .contains("\"/tmp/100%% $$HOME\"");
    assertThat(unit.substring(unit.indexOf("ExecStart=")))
        .as("the store, a secret, is not on the command line every user sees")
        .doesNotContain("password");
    assertThat(ServiceCommand.systemdQuoted("a\\b\"c")).isEqualTo("\"a\\\\b\\\"c\"");
  }

  @Test
  void systemdAnalyzeVerify_acceptsTheUnit() throws Exception {
    Path analyze = Path.of("/usr/bin/systemd-analyze");
    assumeTrue(
        Files.isExecutable(analyze), "systemd-analyze (Debian's systemd package) is missing");
    ServiceCommand service =
        service(false, "--store", "sqlite:/var/lib/my tasks.db", "--zone", "Europe/Berlin");
    Path unit = home.resolve(service.serviceName() + ".service");
    Files.writeString(unit, service.systemdUnit());
    Files.createDirectories(home.resolve("my jars"));
    Files.writeString(home.resolve("my jars/schedulerd.jar"), "");

    Process verify =
        new ProcessBuilder(analyze.toString(), "verify", unit.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(output)
        .as("systemd-analyze verify's findings")
        .doesNotContain(unit.getFileName().toString());
    assertThat(verify.exitValue()).as(output).isZero();
  }

  @Test
  void install_writesAFileOnlyThisUserMayRead() throws Exception {
    ServiceCommand service = service(false);
    service.writeFile();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(service.file())))
        .isEqualTo("rw-------");
    assertThat(Files.readString(service.file())).contains("password=p%%1");
  }

  @Test
  void theLaunchdAgent_isAPlistThatRunsAtLoadAndKeepsTheDaemonAlive() throws Exception {
    String plist = service(true, "--store", "sqlite:/tmp/a&b.db").launchdAgent();
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    Document document =
        factory
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(plist.getBytes(StandardCharsets.UTF_8)));
    NodeList strings = document.getElementsByTagName("string");
    List<String> values = new java.util.ArrayList<>();
    for (int i = 0; i < strings.getLength(); i++) {
      values.add(strings.item(i).getTextContent());
    }
    assertThat(values)
        .contains(
            "dev.schedulerd.schedulerd",
            "daemon",
            "sqlite:/tmp/a&b.db",
            java,
            "postgres:jdbc:postgresql://db/s?user=u&password=p%1");
    assertThat(plist).contains("<key>RunAtLoad</key>").contains("<key>SuccessfulExit</key>");
    assertThat(service(true).file())
        .isEqualTo(home.resolve("Library/LaunchAgents/dev.schedulerd.schedulerd.plist"));
    assertThat(service(false).file())
        .isEqualTo(home.resolve(".config/systemd/user/schedulerd.service"));
  }
}
