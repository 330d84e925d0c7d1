package dev.schedulerd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How many of the machine's cores a measurement kept busy, from the kernel's counters in {@code
 * /proc/stat} (every process: the harness, the nodes it spawns, PostgreSQL). What tells a run
 * bounded by the cores from one bounded by a chain of waits. NaN where there is no {@code
 * /proc/stat}.
 */
final class MachineCpu {
  private static final Path STAT = Path.of("/proc/stat");

  /** Jiffies since boot: all, and those neither idle nor waiting for I/O. */
  record Sample(long busy, long total) {}

  private MachineCpu() {}

  static Sample sample() {
    try {
      List<String> lines = Files.readAllLines(STAT);
      // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
      String[] fields = lines.get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < Math.min(fields.length, 9); i++) {
        total += Long.parseLong(fields[i]);
      }
      long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
      return new Sample(total - idle, total);
    } catch (IOException | RuntimeException e) {
      return new Sample(-1, -1);
    }
  }

  /** Cores busy on average between the two samples. */
  static double busyCores(Sample before, Sample after) {
    long total = after.total() - before.total();
    if (before.total() < 0 || after.total() < 0 || total <= 0) {
      return Double.NaN;
    }
    return (after.busy() - before.busy()) / (double) total * cores();
  }

  /**
   * The CPUs the kernel's counters cover (its {@code cpuN} lines), which a container's limits do
   * not shrink; this JVM's count where there are no counters.
   */
  static int cores() {
    return CORES;
  }

  private static final int CORES = countCores();

  private static int countCores() {
    try {
      long online =
          Files.readAllLines(STAT).stream().filter(l -> l.matches("cpu\\d+\\s.*")).count();
      return online > 0 ? (int) online : Runtime.getRuntime().availableProcessors();
    } catch (IOException | RuntimeException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }

  /** "1.62 of 2 cores busy", or "cores busy: not measured". */
  static String describe(double busyCores) {
    return Double.isNaN(busyCores)
        ? "cores busy: not measured"
        : String.format(Locale.ROOT, "%.2f of %d cores busy", busyCores, cores());
  }
}
