package io.conduit.internal;

import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs tasks one at a time, in submission order, on a delegate executor: a call's callbacks
 * never overlap even on a multi-threaded pool.
 */
public final class SerializingExecutor implements Executor, Runnable {
  private static final System.Logger LOG = System.getLogger(SerializingExecutor.class.getName());

  private final Executor delegate;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean();
  /** The thread running tasks now, for {@link #assertCurrent}; null between runs. */
  private volatile Thread runner;
  /**
   * Counts this executor while it waits for a delegate thread (handed to the delegate, not yet
   * running), or null: a server's admission control sums these to see its handlers saturated.
   */
  private final AtomicInteger waiting;

  public SerializingExecutor(Executor delegate) {
    this(delegate, null);
  }

  /** Adds one to {@code waiting} from each hand-over to the delegate until the run begins. */
  public SerializingExecutor(Executor delegate, AtomicInteger waiting) {
    this.delegate = delegate;
    this.waiting = waiting;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    schedule();
  }

  /**
   * Queues a task without running it, so that a caller holding a lock can fix the order of its
   * events there and run them, with {@link #flush}, after releasing it.
   */
  public void enqueue(Runnable task) {
    tasks.add(task);
  }

  /** Runs (or has the delegate run) what {@link #enqueue} queued, unless a run is under way. */
  public void flush() {
    if (!tasks.isEmpty()) {
      schedule();
    }
  }

  private void schedule() {
    if (running.compareAndSet(false, true)) {
      if (waiting != null) {
        waiting.incrementAndGet();
      }
      try {
        delegate.execute(this);
      } catch (RejectedExecutionException e) {
        // The executor is shutting down; callbacks such as onCancel must still run.
        LOG.log(Level.DEBUG, "executor rejected a task; running it inline", e);
        run();
      } catch (Throwable t) {
        // Whatever went wrong, the next execute() must be able to try again.
        if (waiting != null) {
          waiting.decrementAndGet();
        }
        running.set(false);
        throw t;
      }
    }
  }

  /**
   * Checks (with assertions on, as in tests) that the caller is a task of this executor: code
   * confined to a synchronization context says so with this.
   */
  public void assertCurrent() {
    assert runner == Thread.currentThread()
        : "must run on " + this + ", not on " + Thread.currentThread().getName();
  }

  @Override
  public void run() {
    if (waiting != null) {
      waiting.decrementAndGet();
    }
    Thread previous = runner;
    runner = Thread.currentThread();
    try {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "callback threw", e);
        }
      }
    } finally {
      runner = previous;
      running.set(false);
      // Also after an Error: tasks queued behind it must not wait for a later execute().
      if (!tasks.isEmpty()) {
        schedule();
      }
    }
  }
}
