package io.conduit.benchmarks;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/** Reads this JVM's heap after GC, direct memory, threads and open file descriptors. */
final class SoakSampler {
  private static final double MIB = 1024 * 1024;

  /** One reading; memory in MiB, {@code -1} where the platform cannot tell. */
  record Sample(long seconds, long calls, long lost, double heapMib, double directMib, int threads,
      long fds) {
    static final String HEADER = String.format("%8s %12s %6s %10s %11s %8s %6s",
        "t (s)", "calls", "lost", "heap MiB", "direct MiB", "threads", "fds");

    String row() {
      return String.format("%8d %,12d %6d %10.1f %11.1f %8d %6d",
          seconds, calls, lost, heapMib, directMib, threads, fds);
    }
  }

  Sample sample(long seconds, long calls, long lost) {
    // Twice: the first collection may only queue finalizable and cleaner-held objects.
    System.gc();
    System.gc();
    double heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / MIB;
    return new Sample(seconds, calls, lost, heap, directBytes() / MIB,
        ManagementFactory.getThreadMXBean().getThreadCount(), openFileDescriptors());
  }

  /**
   * Direct memory in use: the JDK's direct buffers plus what Netty allocated itself (it counts
   * the direct memory it takes without the JDK's cleaner separately).
   */
  private static long directBytes() {
    long bytes = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        bytes += pool.getMemoryUsed();
      }
    }
    long netty = io.netty.util.internal.PlatformDependent.usedDirectMemory();
    return netty > 0 ? bytes + netty : bytes;
  }

  private static long openFileDescriptors() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.UnixOperatingSystemMXBean unix
        ? unix.getOpenFileDescriptorCount() : -1;
  }
}
