package dev.schedulerd.mcp.cli;

import dev.schedulerd.mcp.dashboard.DashboardServer;
import dev.schedulerd.mcp.tools.SchedulerTools;
import dev.schedulerd.runtime.Scheduler;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background daemon's web dashboard, as its settings ask: started beside the MCP socket, its
 * sign-in URL in a file only this user may read ({@code schedulerd dashboard} prints it), removed
 * again when it stops. A dashboard that cannot start is logged; the daemon serves on without it.
 */
final class DaemonDashboard {
  private static final Logger log = LoggerFactory.getLogger(DaemonDashboard.class);

  private DaemonDashboard() {}

  /**
   * @param figures the daemon's figures, for the dashboard's overview
   * @param started told of the dashboard once it serves (the shutdown hook closes it)
   * @return the dashboard, or null when it is off or could not start
   */
  static @Nullable DashboardServer start(
      Settings.Dashboard wanted,
      String store,
      Scheduler scheduler,
      Supplier<Map<String, Object>> figures,
      Consumer<DashboardServer> started) {
    DashboardFiles.removeUrl(store); // a crashed daemon's, or one from before the dashboard was off
    if (!wanted.enabled()) {
      return null;
    }
    try {
      DashboardServer dashboard =
          DashboardServer.start(
              scheduler,
              new SchedulerTools(
                  scheduler, io.modelcontextprotocol.json.McpJsonDefaults.getMapper(), figures),
              wanted.bind(),
              wanted.port(),
              DashboardFiles.token(store),
              wanted.allowedHosts(),
              wanted.readOnly(),
              () -> DashboardFiles.removeUrl(store));
      try {
        DashboardFiles.writeUrl(store, dashboard.loginUrl());
      } catch (java.io.IOException | RuntimeException e) {
        dashboard.close();
        throw e;
      }
      started.accept(dashboard);
      log.info(
          "Dashboard on http://{}:{}/ (schedulerd dashboard prints its login URL){}",
          wanted.bind(),
          dashboard.port(),
          wanted.readOnly() ? ", read-only" : "");
      return dashboard;
    } catch (java.io.IOException | RuntimeException e) {
      log.warn("The dashboard could not start: {}; the daemon serves on without it", e.toString());
      return null;
    }
  }
}
