package io.conduit.internal;

import io.conduit.Clock;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} whose timers run on a {@link Clock} and whose tasks run on
 * an executor: the scheduler the channel hands to balancers and resolvers, so that plugins written
 * against the plain executor API follow a test's fake clock too. With {@link Clock#SYSTEM},
 * {@link #of} hands out the executor itself, so real channels pay nothing for it.
 *
 * <p>It does not own the executor: shutting it down is refused.
 */
public final class ClockScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final Clock clock;
  private final ScheduledExecutorService executor;

  private ClockScheduler(Clock clock, ScheduledExecutorService executor) {
    this.clock = clock;
    this.executor = executor;
  }

  /** {@code executor} with its timers on {@code clock}: the executor itself for the real clock. */
  public static ScheduledExecutorService of(Clock clock, ScheduledExecutorService executor) {
    if (clock == Clock.SYSTEM || executor instanceof ClockScheduler s && s.clock == clock) {
      return executor;
    }
    return new ClockScheduler(clock, executor);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return schedule(Executors.callable(command), delay, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    OneShot<V> task = new OneShot<>(callable, clock.nanoTime() + unit.toNanos(delay));
    task.timer = clock.schedule(executor, task, delay, unit);
    return task;
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
      TimeUnit unit) {
    return periodic(command, initialDelay, unit.toNanos(period), unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
      TimeUnit unit) {
    // A negative period means "from the end of the last run", as in ScheduledThreadPoolExecutor.
    return periodic(command, initialDelay, -unit.toNanos(delay), unit);
  }

  private ScheduledFuture<?> periodic(Runnable command, long initialDelay, long periodNanos,
      TimeUnit unit) {
    if (periodNanos == 0) {
      throw new IllegalArgumentException("period must not be zero");
    }
    Periodic task = new Periodic(command, clock.nanoTime() + unit.toNanos(initialDelay), periodNanos);
    task.arm();
    return task;
  }

  @Override
  public void execute(Runnable command) {
    executor.execute(command);
  }

  @Override
  public void shutdown() {
    throw new UnsupportedOperationException("the channel owns this scheduler");
  }

  @Override
  public List<Runnable> shutdownNow() {
    throw new UnsupportedOperationException("the channel owns this scheduler");
  }

  @Override
  public boolean isShutdown() {
    return executor.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return executor.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return executor.awaitTermination(timeout, unit);
  }

  @Override
  public String toString() {
    return executor + " on " + clock;
  }

  /** A task due at {@code dueNanos} on the clock. */
  private abstract class Timed<V> extends FutureTask<V> implements ScheduledFuture<V> {
    volatile long dueNanos;
    volatile ScheduledFuture<?> timer;

    Timed(Callable<V> callable, long dueNanos) {
      super(callable);
      this.dueNanos = dueNanos;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      ScheduledFuture<?> t = timer;
      if (cancelled && t != null) {
        t.cancel(false);
      }
      return cancelled;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - clock.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }

  private final class OneShot<V> extends Timed<V> {
    OneShot(Callable<V> callable, long dueNanos) {
      super(callable, dueNanos);
    }
  }

  private final class Periodic extends Timed<Void> {
    /** Positive: a fixed rate; negative: a fixed delay after each run. */
    private final long periodNanos;

    Periodic(Runnable command, long firstNanos, long periodNanos) {
      super(Executors.callable(command, null), firstNanos);
      this.periodNanos = periodNanos;
    }

    void arm() {
      timer = clock.schedule(executor, this, dueNanos - clock.nanoTime(), TimeUnit.NANOSECONDS);
      if (isCancelled()) {
        // Cancelled while arming: the new timer must not outlive it.
        timer.cancel(false);
      }
    }

    @Override
    public void run() {
      // runAndReset leaves the task reusable; false once it threw or was cancelled.
      if (runAndReset()) {
        dueNanos = periodNanos > 0 ? dueNanos + periodNanos : clock.nanoTime() - periodNanos;
        arm();
      }
    }
  }
}
