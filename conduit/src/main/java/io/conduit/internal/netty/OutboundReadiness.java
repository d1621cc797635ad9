package io.conduit.internal.netty;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes a stream has handed to its connection and not yet seen leave: below the threshold the
 * stream is ready for more. Both sides of the transport count the same way.
 */
final class OutboundReadiness {
  /** Bytes a stream may have queued for sending before it stops being ready. */
  static final int THRESHOLD = 32 * 1024;

  private final AtomicLong queued = new AtomicLong();

  void queued(int bytes) {
    queued.addAndGet(bytes);
  }

  /** {@code bytes} have left; true when that made the stream ready again. */
  boolean written(int bytes) {
    long after = queued.addAndGet(-bytes);
    return after < THRESHOLD && after + bytes >= THRESHOLD;
  }

  boolean isReady() {
    return queued.get() < THRESHOLD;
  }
}
