package io.conduit.internal.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The messages a stream has framed and handed to its connection: each goes out as a DATA frame
 * on the event loop, and the bytes not yet written decide whether the stream is ready for more.
 * Both sides' streams extend it, so that this costs no object of its own per call.
 */
abstract class OutboundMessages {
  /** Bytes a stream may have queued for sending before it stops being ready. */
  static final int THRESHOLD = 32 * 1024;

  private static final AtomicLongFieldUpdater<OutboundMessages> QUEUED =
      AtomicLongFieldUpdater.newUpdater(OutboundMessages.class, "queuedBytes");

  private volatile long queuedBytes;

  /** Hands {@code frame} to {@code queue} for the event loop; returns its size. Caller's thread. */
  final int send(WriteQueue queue, ByteBuf frame) {
    int size = frame.readableBytes();
    QUEUED.addAndGet(this, size);
    queue.enqueue(new Write(frame, size));
    return size;
  }

  /** Whether a message sent now would not wait behind much (isReady). Any thread. */
  final boolean readyToSend() {
    return queuedBytes < THRESHOLD;
  }

  /** Whether the stream has ended, so that frames still queued are dropped. Event loop. */
  abstract boolean ended();

  /** Writes one DATA frame of this stream. Event loop. */
  abstract void writeFrame(ByteBuf frame, ChannelFutureListener onDone);

  /** Enough has left that the stream is ready again. Event loop. */
  abstract void readyAgain();

  private void left(int size) {
    long after = QUEUED.addAndGet(this, -size);
    if (after < THRESHOLD && after + size >= THRESHOLD && !ended()) {
      readyAgain();
    }
  }

  /** One framed message: written when its turn comes, counted out once it has left. */
  private final class Write implements Runnable, ChannelFutureListener {
    private final ByteBuf frame;
    private final int size;

    Write(ByteBuf frame, int size) {
      this.frame = frame;
      this.size = size;
    }

    @Override
    public void run() {
      if (ended()) {
        frame.release();
        left(size);
        return;
      }
      writeFrame(frame, this);
    }

    @Override
    public void operationComplete(ChannelFuture future) {
      left(size);
    }
  }
}
