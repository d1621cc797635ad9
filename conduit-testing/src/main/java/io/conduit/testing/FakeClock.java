package io.conduit.testing;

import io.conduit.Clock;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A clock that moves only when the test says so. Timers that come due run on the executor they
 * were scheduled for, as with the real clock; {@link #advance} returns once they have run.
 *
 * <pre>{@code
 * FakeClock clock = new FakeClock();
 * Channel channel = Channel.builder(target).clock(clock).keepAliveTime(Duration.ofMinutes(1)).build();
 * clock.advance(Duration.ofMinutes(1)); // the keepalive PING goes out now, not a minute from now
 * }</pre>
 */
public final class FakeClock implements Clock {
  /** How long {@link #advance} waits for one timer's task; only a hung executor takes this long. */
  private static final long TASK_WAIT_SECONDS = 10;

  private final Object lock = new Object();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long now = 1_000_000_000L;
  private long sequence;

  @Override
  public long nanoTime() {
    synchronized (lock) {
      return now;
    }
  }

  @Override
  public ScheduledFuture<?> schedule(ScheduledExecutorService executor, Runnable task, long delay,
      TimeUnit unit) {
    Timer t;
    boolean due;
    synchronized (lock) {
      t = new Timer(executor, task, now + Math.max(0, unit.toNanos(delay)), sequence++);
      due = t.due <= now;
      if (!due) {
        timers.add(t);
      }
    }
    if (due) {
      t.fire();
    }
    return t;
  }

  /**
   * Moves time forward by {@code d}, running the timers that come due, in order. Each runs on its
   * executor and this waits for it, and for what it queued on that executor (a synchronization
   * context's turn): so a timer that sets another within {@code d} sees it run too, and the test
   * can look at the effects as soon as this returns.
   *
   * @param d how far to move time; not negative
   */
  public void advance(Duration d) {
    long target;
    synchronized (lock) {
      target = now + d.toNanos();
    }
    while (true) {
      Timer next;
      synchronized (lock) {
        next = timers.peek();
        if (next == null || next.due > target) {
          now = target;
          return;
        }
        timers.poll();
        now = Math.max(now, next.due);
      }
      next.fireAndWait();
    }
  }

  /** {@return the timers not yet due and not cancelled} */
  public int pendingTimers() {
    synchronized (lock) {
      return timers.size();
    }
  }

  /** {@return how long until the next timer is due, or null when none is pending} */
  public Duration untilNextTimer() {
    synchronized (lock) {
      Timer next = timers.peek();
      return next == null ? null : Duration.ofNanos(next.due - now);
    }
  }

  /**
   * Delays of the pending timers, soonest first (for assertions on backoff sequences).
   *
   * @return the delays, each measured from now
   */
  public List<Duration> pendingDelays() {
    synchronized (lock) {
      List<Timer> sorted = new ArrayList<>(timers);
      sorted.sort(null);
      List<Duration> out = new ArrayList<>();
      for (Timer t : sorted) {
        out.add(Duration.ofNanos(t.due - now));
      }
      return out;
    }
  }

  private final class Timer implements ScheduledFuture<Object> {
    private final ScheduledExecutorService executor;
    private final Runnable task;
    private final long due;
    private final long seq;
    private volatile int state; // 0 pending, 1 fired, 2 cancelled

    Timer(ScheduledExecutorService executor, Runnable task, long due, long seq) {
      this.executor = executor;
      this.task = task;
      this.due = due;
      this.seq = seq;
    }

    void fire() {
      synchronized (lock) {
        if (state != 0) {
          return;
        }
        state = 1;
      }
      try {
        executor.execute(task);
      } catch (RejectedExecutionException e) {
        // The executor is gone, and the work its timer was for with it.
      }
    }

    void fireAndWait() {
      synchronized (lock) {
        if (state != 0) {
          return;
        }
        state = 1;
      }
      if (executor instanceof EventExecutor loop && loop.inEventLoop()) {
        // advance() called from a task on this very executor: waiting would never end.
        task.run();
        return;
      }
      CompletableFuture<Void> ran = new CompletableFuture<>();
      CompletableFuture<Void> queuedBehind = new CompletableFuture<>();
      try {
        executor.execute(() -> {
          try {
            task.run();
            ran.complete(null);
          } catch (Throwable t) {
            ran.completeExceptionally(t);
            throw t;
          } finally {
            // Queued from here, after the task ran, so that what it handed to the same executor
            // (a synchronization context's turn) runs first; queued from the caller right after
            // the task, it could run before those.
            queueBehind(queuedBehind);
          }
        });
      } catch (RejectedExecutionException e) {
        return;
      }
      await(ran);
      await(queuedBehind);
    }

    private void queueBehind(CompletableFuture<Void> queuedBehind) {
      try {
        executor.execute(() -> queuedBehind.complete(null));
      } catch (RejectedExecutionException e) {
        // Shutting down: nothing queued behind the task will run.
        queuedBehind.complete(null);
      }
    }

    private void await(CompletableFuture<Void> f) {
      try {
        f.get(TASK_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while a timer ran", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("a timer task failed: " + task, e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException("a timer task did not finish within " + TASK_WAIT_SECONDS
            + " s on " + executor + ": " + task);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      synchronized (lock) {
        if (state != 0) {
          return false;
        }
        state = 2;
        timers.remove(this);
        return true;
      }
    }

    @Override
    public boolean isCancelled() {
      return state == 2;
    }

    @Override
    public boolean isDone() {
      return state != 0;
    }

    @Override
    public Object get() throws ExecutionException {
      throw new UnsupportedOperationException("fake timers cannot be waited for");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) throws ExecutionException {
      throw new UnsupportedOperationException("fake timers cannot be waited for");
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      Timer other = (Timer) o;
      int c = Long.compare(due, other.due);
      return c != 0 ? c : Long.compare(seq, other.seq);
    }
  }
}
