package io.conduit.internal;

import io.conduit.Status;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server's load shedding: refuses a new call, with a retryable {@code UNAVAILABLE}, while too
 * many calls wait for a handler thread (the executor is saturated) or, when a limit is set, too
 * many calls run. Refusing at once keeps the heap and the latency of admitted calls bounded where
 * queueing without bound would grow both until the process fails.
 *
 * <p>A call waits while one of its callbacks has been handed to the handler executor and has not
 * begun: each call's {@link SerializingExecutor} counts itself in {@link #waitingCounter} for
 * that time, so the count costs one atomic add per hand-over and nothing per call otherwise.
 */
final class AdmissionControl {
  private final int maxQueuedCalls;
  /** 0: no limit, and {@link #running} is not kept. */
  private final int maxConcurrentCalls;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();

  AdmissionControl(int maxQueuedCalls, int maxConcurrentCalls) {
    this.maxQueuedCalls = maxQueuedCalls;
    this.maxConcurrentCalls = maxConcurrentCalls;
  }

  /** What the handler executors of admitted calls count themselves in while they wait. */
  AtomicInteger waitingCounter() {
    return waiting;
  }

  /** Whether {@link #release} must be called when an admitted call ends. */
  boolean countsRunning() {
    return maxConcurrentCalls > 0;
  }

  /**
   * Admits a call (then, when {@link #countsRunning}, {@link #release} must follow once it ends),
   * or returns the status to refuse it with.
   */
  Status admit() {
    int queued = waiting.get();
    if (queued >= maxQueuedCalls) {
      return Status.UNAVAILABLE.withDescription("server overloaded: " + queued
          + " calls are waiting for a handler thread (Server.Builder.maxQueuedCalls is "
          + maxQueuedCalls + "); retry later");
    }
    if (maxConcurrentCalls > 0 && running.incrementAndGet() > maxConcurrentCalls) {
      running.decrementAndGet();
      return Status.UNAVAILABLE.withDescription("server overloaded: " + maxConcurrentCalls
          + " calls are running (Server.Builder.maxConcurrentCalls); retry later");
    }
    return null;
  }

  /** An admitted call ended. */
  void release() {
    if (maxConcurrentCalls > 0) {
      running.decrementAndGet();
    }
  }

  /** Calls waiting for a handler thread now. */
  int waiting() {
    return waiting.get();
  }

  /** Admitted calls that have not ended, when {@link #countsRunning}; 0 otherwise. */
  int running() {
    return running.get();
  }
}
