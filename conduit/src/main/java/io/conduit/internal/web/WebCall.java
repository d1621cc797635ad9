package io.conduit.internal.web;

import io.conduit.Compressor;
import io.conduit.Context;
import io.conduit.Marshaller;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.netty.EventLoops;
import io.conduit.internal.netty.MessageDeframer;
import io.conduit.internal.netty.TlsSupport;
import io.conduit.internal.netty.WriteQueue;
import io.conduit.internal.transport.ServerStream;
import io.conduit.internal.transport.ServerStreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call that arrived over a web protocol, as the server drives it: the same
 * {@link ServerStream} a native gRPC stream is, so routing, interceptors, deadlines and executors
 * apply unchanged. Subclasses put headers, messages and the status into the protocol's body.
 * Calls from the server's threads go through a write queue to the event loop, in order.
 */
abstract class WebCall implements ServerStream, RequestBody, MessageDeframer.Listener {
  /** Bytes queued for sending before the call stops being ready (as for HTTP/2 streams). */
  private static final int READY_THRESHOLD = 32 * 1024;

  final WebExchange exchange;
  final MessageCodec codec;
  final ByteBufAllocator alloc;
  private final String authority;
  private final long timeoutNanos;
  private final WriteQueue queue;
  private final AtomicLong queuedBytes = new AtomicLong();
  private ServerStreamListener listener;

  // Event loop state.
  boolean completed;

  WebCall(WebExchange exchange, MessageCodec codec, String authority, long timeoutNanos) {
    this.exchange = exchange;
    this.codec = codec;
    this.alloc = exchange.channel().alloc();
    this.authority = authority;
    this.timeoutNanos = timeoutNanos;
    this.queue = new WriteQueue(exchange.channel().eventLoop(), exchange.channel()::flush);
    queue.open();
  }

  // ---------------------------------------------------------------- what subclasses write

  /** The response headers with the application's metadata. */
  abstract void sendHeaders(Metadata headers);

  /** One response message's bytes (taken over); {@code written} runs once they left. */
  abstract void sendMessage(ByteBuf payload, Runnable written);

  /** The status and trailers; the response ends. */
  abstract void sendStatus(Status status, Metadata trailers);

  /** Request body bytes (taken over). */
  abstract void inbound(ByteBuf data);

  /** The request body ended. */
  abstract void inboundEnd();

  /** The application wants {@code n} more request messages. */
  abstract void requestMessages(int n);

  /** Drops what the request side holds. */
  abstract void releaseInbound();

  // ---------------------------------------------------------------- request side (event loop)

  @Override
  public final void data(ByteBuf data) {
    if (completed) {
      data.release();
      return;
    }
    inbound(data);
  }

  @Override
  public final void end() {
    if (!completed) {
      inboundEnd();
    }
  }

  @Override
  public final void clientGone() {
    if (completed) {
      return;
    }
    completed = true;
    releaseInbound();
    if (listener != null) {
      listener.cancelled(Status.CANCELLED.withDescription("the client went away"));
    }
  }

  /** A request message for the application. */
  final void deliver(ByteBuf payload) {
    if (listener == null) {
      payload.release();
      return;
    }
    listener.messageRead(new WebInboundMessage(payload, codec));
  }

  final void deliverHalfClose() {
    if (listener != null) {
      listener.halfClosed();
    }
  }

  @Override
  public final void messageRead(ByteBuf payload, boolean compressed) {
    deliver(payload);
  }

  @Override
  public final void bytesConsumed(int bytes) {
    // HTTP/1.1 has no flow-control window to return bytes to.
  }

  @Override
  public final void endOfStream() {
    deliverHalfClose();
  }

  @Override
  public final void deframeFailed(Status status) {
    abortOnLoop(status, new Metadata());
  }

  /** Ends the call with a status the transport chose (bad input): the application hears cancelled. */
  final void abortOnLoop(Status status, Metadata trailers) {
    if (completed) {
      return;
    }
    completed = true;
    releaseInbound();
    sendStatus(status, trailers);
    if (listener != null) {
      listener.cancelled(status);
    }
  }

  // ---------------------------------------------------------------- server call side

  @Override
  public final void setListener(ServerStreamListener listener) {
    this.listener = listener;
  }

  @Override
  public final void request(int numMessages) {
    queue.enqueue(() -> {
      if (!completed) {
        requestMessages(numMessages);
      }
    });
  }

  @Override
  public final void writeHeaders(Metadata headers) {
    queue.enqueue(() -> {
      if (!completed) {
        sendHeaders(headers);
      }
    });
  }

  @Override
  public final <T> int writeMessage(Marshaller<T> marshaller, T message) {
    ByteBuf payload = codec.encode(alloc, marshaller, message);
    int size = payload.readableBytes();
    queuedBytes.addAndGet(size);
    queue.enqueue(() -> {
      if (completed) {
        payload.release();
        left(size);
      } else {
        sendMessage(payload, () -> left(size));
      }
    });
    return size;
  }

  private void left(int size) {
    long after = queuedBytes.addAndGet(-size);
    if (after < READY_THRESHOLD && after + size >= READY_THRESHOLD && !completed && listener != null) {
      listener.onReady();
    }
  }

  @Override
  public final void close(Status status, Metadata trailers) {
    queue.enqueue(() -> {
      if (completed) {
        return;
      }
      completed = true;
      releaseInbound();
      sendStatus(status, trailers);
      if (listener != null) {
        listener.completed();
      }
    });
  }

  @Override
  public final void abort(Status status, Metadata trailers, boolean badInput) {
    queue.enqueue(() -> abortOnLoop(status, trailers));
  }

  @Override
  public final void cancel(Status reason) {
    queue.enqueue(() -> {
      if (completed) {
        return;
      }
      if (reason.code() == Status.Code.DEADLINE_EXCEEDED) {
        // A web client cannot see a reset: it is told the status (as Envoy's filter does).
        abortOnLoop(reason, new Metadata());
        return;
      }
      completed = true;
      releaseInbound();
      exchange.fail();
      if (listener != null) {
        listener.cancelled(reason);
      }
    });
  }

  @Override
  public final boolean isReady() {
    return queuedBytes.get() < READY_THRESHOLD;
  }

  @Override
  public final void setCompressor(Compressor compressor) {
    // Web responses go uncompressed (acceptEncoding() is null, so none is chosen).
  }

  @Override
  public final void setMessageCompression(boolean enabled) {}

  @Override
  public final CharSequence acceptEncoding() {
    return null;
  }

  @Override
  public final long timeoutNanos() {
    return timeoutNanos;
  }

  @Override
  public final String authority() {
    return authority;
  }

  @Override
  public final SocketAddress remoteAddress() {
    return EventLoops.fromNetty(exchange.channel().remoteAddress());
  }

  @Override
  public final Context transportContext() {
    return TlsSupport.callContext(exchange.channel());
  }

  @Override
  public final ScheduledExecutorService scheduler() {
    return exchange.channel().eventLoop();
  }
}
