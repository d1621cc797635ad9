package io.conduit.services.internal.channelz;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.LongAdder;

/**
 * Calls started, succeeded and failed, and when the last one started: channelz's figures for a
 * channel or a server. Adders, so that calls on many threads do not contend on one counter.
 */
public final class CallCounter {
  private final InstantSource time;
  private final LongAdder started = new LongAdder();
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder failed = new LongAdder();
  /** Epoch millis of the last start, 0 before the first: a long, so counting allocates nothing. */
  private volatile long lastStartedMillis;

  CallCounter(InstantSource time) {
    this.time = time;
  }

  void callStarted() {
    started.increment();
    lastStartedMillis = time.millis();
  }

  void callEnded(boolean ok) {
    (ok ? succeeded : failed).increment();
  }

  long callsStarted() {
    return started.sum();
  }

  long callsSucceeded() {
    return succeeded.sum();
  }

  long callsFailed() {
    return failed.sum();
  }

  /** When the last call started, or {@code null} before the first. */
  Instant lastStarted() {
    long millis = lastStartedMillis;
    return millis == 0 ? null : Instant.ofEpochMilli(millis);
  }
}
