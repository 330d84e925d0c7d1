package dev.schedulerd.mcp.cli;

import dev.schedulerd.mcp.Printable;
import dev.schedulerd.mcp.transport.DaemonRequests;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the background daemon tells a front-end outside MCP: who it is, and whether it stops for a
 * newer build. It hands over only to a build made after its own (so two builds never take turns)
 * and never when a service manager runs it (that one would not start the newer build: the answer
 * says which command restarts the service).
 */
final class DaemonAnswers implements DaemonRequests {
  private static final Logger log = LoggerFactory.getLogger(DaemonAnswers.class);

  /**
   * Set by the service files {@code schedulerd service install} writes: the command that restarts
   * the service, which a front-end of a newer build then tells its user.
   */
  static final String SERVICE_VARIABLE = "SCHEDULERD_SERVICE";

  /** Beyond the stop grace: closing the store, the JVM's exit. */
  private static final Duration STOP_MARGIN = Duration.ofSeconds(15);

  private final String build;
  private final Map<String, Object> hello;
  private final @Nullable String serviceRestart;
  private final Duration stopGrace;
  private final Runnable stop;
  private final AtomicBoolean handingOver = new AtomicBoolean();

  /**
   * @param build this daemon's build ({@link Version#build()})
   * @param options the settings it runs with ({@link DaemonOptions}), which front-ends compare
   * @param serviceRestart the command that restarts this daemon's service, or null when no service
   *     manager runs it
   * @param stopGrace how long runs in flight get when it stops
   * @param stop stops the daemon as SIGTERM does
   */
  DaemonAnswers(
      String build,
      Map<String, String> options,
      @Nullable String serviceRestart,
      Duration stopGrace,
      Runnable stop) {
    this.build = build;
    this.serviceRestart = serviceRestart;
    this.stopGrace = stopGrace;
    this.stop = stop;
    Map<String, Object> about = new LinkedHashMap<>();
    about.put("name", "schedulerd");
    about.put("version", build);
    about.put("pid", ProcessHandle.current().pid());
    about.put("options", Map.copyOf(options));
    if (serviceRestart != null) {
      about.put("service_restart", serviceRestart); // how a front-end's user restarts it
    }
    about.put(
        "started_at",
        ProcessHandle.current().info().startInstant().map(Object::toString).orElse(""));
    this.hello = Map.copyOf(about);
  }

  @Override
  public Map<String, Object> hello() {
    return hello;
  }

  @Override
  public HandOver handOver(String requesterBuild) {
    String asking = Printable.of(requesterBuild, 200);
    if (!Version.isNewer(requesterBuild, build)) {
      return refused("its build (" + build + ") is not older than yours (" + asking + ")");
    }
    if (serviceRestart != null) {
      return refused(
          "a service manager runs it, which would not start your build; restart the service: "
              + serviceRestart);
    }
    boolean first = handingOver.compareAndSet(false, true);
    if (first) {
      log.info(
          "A front-end of a newer build ({}) asked this daemon ({}) to hand over: stopping; runs in"
              + " flight get {} s",
          asking,
          build,
          stopGrace.toSeconds());
    }
    return new HandOver(
        Map.of(
            "accepted",
            true,
            "pid",
            ProcessHandle.current().pid(),
            "stops_within_seconds",
            stopGrace.plus(STOP_MARGIN).toSeconds()),
        first ? stop : null); // begun once the answer reached the front-end
  }

  private static HandOver refused(String reason) {
    return new HandOver(Map.of("accepted", false, "reason", reason), null);
  }
}
