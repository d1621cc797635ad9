package io.conduit.internal.netty;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * Bytes a stream has handed to its connection and not yet seen leave: below the threshold the
 * stream is ready for more. Both sides' streams extend it, so that counting costs no object of
 * its own per call.
 */
abstract class OutboundReadiness {
  /** Bytes a stream may have queued for sending before it stops being ready. */
  static final int THRESHOLD = 32 * 1024;

  private static final AtomicLongFieldUpdater<OutboundReadiness> QUEUED =
      AtomicLongFieldUpdater.newUpdater(OutboundReadiness.class, "queuedBytes");

  private volatile long queuedBytes;

  final void queued(int bytes) {
    QUEUED.addAndGet(this, bytes);
  }

  /** {@code bytes} have left; true when that made the stream ready again. */
  final boolean written(int bytes) {
    long after = QUEUED.addAndGet(this, -bytes);
    return after < THRESHOLD && after + bytes >= THRESHOLD;
  }

  final boolean belowThreshold() {
    return queuedBytes < THRESHOLD;
  }
}
