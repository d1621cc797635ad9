package io.conduit;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time every Conduit timer runs on: deadlines, keepalive, idle and connection-age limits,
 * reconnect and retry backoff, DNS refresh. {@link #SYSTEM} is the real one; tests substitute a
 * fake one that they advance by hand ({@code Channel.Builder.clock}, {@code Server.Builder.clock}),
 * so that a test of a 30-minute idle timeout takes no time at all.
 *
 * <p>A timer always runs on the executor it was scheduled for (an event loop, a synchronization
 * context's scheduler), so code confined to that thread stays confined under a fake clock too.
 */
public interface Clock extends Deadline.Ticker {

  /**
   * Runs {@code task} on {@code executor} once {@code delay} has passed on this clock. The real
   * clock uses the executor's own timer; a fake one runs the task there when time is advanced.
   *
   * @param executor the executor the task runs on
   * @param task the task
   * @param delay the delay, in {@code unit}s
   * @param unit the delay's unit
   * @return a future that cancels the task
   */
  ScheduledFuture<?> schedule(ScheduledExecutorService executor, Runnable task, long delay, TimeUnit unit);

  /** The JVM's monotonic clock, with the executors' own timers. */
  Clock SYSTEM = new Clock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public ScheduledFuture<?> schedule(ScheduledExecutorService executor, Runnable task, long delay,
        TimeUnit unit) {
      return executor.schedule(task, delay, unit);
    }

    @Override
    public String toString() {
      return "Clock.SYSTEM";
    }
  };
}
