package dev.schedulerd.bench;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The benchmark harness's entry point: {@code benchmarks/run WORKLOAD... [options]}. Prints one
 * table on stdout; progress and the nodes' logs go to stderr and a temporary folder.
 */
@SuppressForbidden(reason = "the table is the program's output")
public final class Bench {
  private Bench() {}

  private static final String USAGE =
      """
      usage: benchmarks/run W1|...|W9|WP ... [--pending N] [--postgres JDBC_URL] [--backlog N]
                           [--precision-runs N] [--pg-tasks N]
        W1                 throughput: 100,000 no-op tasks due now (20,000 on SQLite), tasks/s;
                           the median of 5 runs (3 on SQLite) after one unmeasured
        W2                 precision: 2,000 tasks due 0.5-3 s ahead, start lateness
        W3                 durable submit: acknowledged adds/s on SQLite from 1 and 8 threads
                           (W1-W3 run together: schedulerd in memory and on SQLite beside
                           ScheduledThreadPoolExecutor and Quartz)
        W4                 memory: retained heap per pending task with --pending tasks
        W5                 growth: cost per add and per dispatch beside 1,000, 100,000 and
                           --pending tasks
        W6                 start-up: spawn -> initialize answered, and with --pending stored
                           tasks, spawn -> all queued (the real launcher, beside a bare SDK server)
        W7                 MCP round trip from the official TypeScript client: sequential latency
                           early (after 500 calls) and steady (after 10,500 more), and calls/s
                           with 32 in flight (needs e2e/node_modules: npm ci in e2e)
        --pending N        pending tasks in W4, largest size in W5 and W6 (default 1000000)
        W9                 dashboard: each page's API call at 100,000 stored tasks, median and p99
        W8                 scale-out: runs/s with 1, 2, 3 nodes on one PostgreSQL, claim latency,
                           start lateness with 3 nodes
        W8F                W8 under faults: 3 nodes drain --backlog runs while an embedded
                           PostgreSQL restarts 3 times, then through a 20 s outage; runs executed
                           twice per 1,000 and the time to the next run recorded after each
        WP                 W1 and W3 on PostgreSQL: schedulerd's PostgreSQL store beside
                           db-scheduler, runs/s with 1 and 8 submitters (--pg-tasks tasks) and
                           durable adds/s from 1 and 8 threads, with commits and statements per
                           run; the median of 3 runs, each on a fresh database
        --postgres URL     use this PostgreSQL (databases w8_* and wp_* are created in it)
                           instead of starting an embedded one
        --backlog N        runs per throughput measurement (default 10000)
        --precision-runs N runs due over 10 s in the 3-node precision measurement
                           (default 1000)
        --pg-tasks N       tasks per W1 run in WP (default 10000)
      """;

  public static void main(String[] args) throws Exception {
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    List<String> workloads = new ArrayList<>();
    @Nullable String postgres = null;
    int backlog = 10_000;
    int precisionRuns = 1_000;
    int pending = 1_000_000;
    int pgTasks = 10_000;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--postgres" -> postgres = value(args, ++i, arg);
        case "--backlog" -> backlog = Integer.parseInt(value(args, ++i, arg));
        case "--precision-runs" -> precisionRuns = Integer.parseInt(value(args, ++i, arg));
        case "--pending" -> pending = Integer.parseInt(value(args, ++i, arg));
        case "--pg-tasks" -> pgTasks = Integer.parseInt(value(args, ++i, arg));
        case "-h", "--help" -> {
          out.print(USAGE);
          return;
        }
        default -> {
          if (!arg.matches("W[1-9]|W8F|WP")) {
            fail("unknown argument '" + arg + "'");
          }
          workloads.add(arg);
        }
      }
    }
    if (workloads.isEmpty()) {
      fail("name a workload");
    }
    Path logs = Files.createTempDirectory("schedulerd-bench-");
    System.err.println("bench: node logs in " + logs);
    List<String> table = new ArrayList<>();
    boolean ranLocal = false;
    Fixtures fixtures = new Fixtures(logs);
    Summary summary = new Summary();
    ScaleWorkloads scale =
        new ScaleWorkloads(
            pending,
            new int[] {Math.min(1_000, pending), Math.min(100_000, pending), pending},
            fixtures,
            summary);
    McpWorkloads mcp = new McpWorkloads(logs, fixtures, pending, summary);
    for (String workload : workloads) {
      switch (workload) {
        case "W8" ->
            table.addAll(new ScaleOut(backlog, precisionRuns, logs, summary).run(postgres));
        case "W1", "W2", "W3" -> {
          if (!ranLocal) {
            table.addAll(new LocalWorkloads(100_000, 20_000, 2_000, summary).run(logs));
            ranLocal = true;
          }
        }
        case "W4" -> table.addAll(scale.memory());
        case "W5" -> table.addAll(scale.growth());
        case "W6" -> table.addAll(mcp.startup());
        case "W7" -> table.addAll(mcp.roundTrip());
        case "W9" -> table.addAll(new DashboardWorkload(fixtures, logs, summary).run());
        case "W8F" -> table.addAll(new ScaleOutFaults(backlog, logs, summary).run());
        case "WP" -> table.addAll(new PostgresWorkloads(pgTasks, summary).run(postgres));
        default -> fail(workload + " is not in this harness yet");
      }
    }
    table.forEach(out::println);
    if (!summary.isEmpty()) {
      summary.table().forEach(out::println);
    }
  }

  private static String value(String[] args, int index, String option) {
    if (index >= args.length) {
      fail(option + " needs a value");
    }
    return args[index];
  }

  private static void fail(String message) {
    System.err.print("bench: " + message + "\n" + USAGE);
    System.exit(2);
  }
}
