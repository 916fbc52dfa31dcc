package io.cairn.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The Prometheus client's standard process_* metrics (as Go's process collector exports them for etcd), read from
 * /proc and the JVM: dashboards plot memory and CPU from these, and etcdctl check datascale reads the resident size.
 */
final class ProcessMeters {
  private static final double PAGE = 4096.0;
  /** Held here: the registry keeps only a weak reference to what a function counter reads. */
  private static final Object OS = ManagementFactory.getOperatingSystemMXBean();

  private ProcessMeters() {}

  static void bindTo(MeterRegistry registry) {
    Gauge.builder("process_resident_memory_bytes", () -> statm(1) * PAGE)
        .description("Resident memory size in bytes.").register(registry);
    Gauge.builder("process_virtual_memory_bytes", () -> statm(0) * PAGE)
        .description("Virtual memory size in bytes.").register(registry);
    Gauge.builder("process_start_time_seconds", () -> ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0)
        .description("Start time of the process since unix epoch in seconds.").register(registry);
    Gauge.builder("process_open_fds", ProcessMeters::openFds)
        .description("Number of open file descriptors.").register(registry);
    Gauge.builder("process_max_fds", ProcessMeters::maxFds)
        .description("Maximum number of open file descriptors.").register(registry);
    if (OS instanceof com.sun.management.OperatingSystemMXBean os) {
      FunctionCounter.builder("process_cpu_seconds", os, o -> o.getProcessCpuTime() / 1e9)
          .description("Total user and system CPU time spent in seconds.").register(registry);
    }
  }

  /** Field {@code i} of /proc/self/statm, in pages. */
  private static double statm(int i) {
    try {
      return Long.parseLong(Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+")[i]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static double openFds() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static double maxFds() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          return Double.parseDouble(line.substring("Max open files".length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return Double.NaN;
  }
}
