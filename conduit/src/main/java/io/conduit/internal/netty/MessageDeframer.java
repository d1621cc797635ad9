package io.conduit.internal.netty;

import io.conduit.Status;
import io.conduit.internal.transport.MessageLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.ArrayDeque;

/**
 * Cuts the DATA bytes of one stream into gRPC messages, and hands them out only as the
 * application asks for them: bytes that wait here are not yet returned to the HTTP/2 flow
 * control window, which is how a slow reader slows its sender.
 *
 * <p>Confined to the connection's event loop.
 */
public final class MessageDeframer {

  /** Receives what the deframer finds. */
  public interface Listener {
    /** One message payload, {@code compressed} per its flag; the listener releases it. */
    void messageRead(ByteBuf payload, boolean compressed);

    /** {@code bytes} received bytes may go back to the peer's flow-control window. */
    void bytesConsumed(int bytes);

    /** Every message was handed out and the peer ended the stream. */
    void endOfStream();

    /** The bytes cannot be a valid message stream; nothing more is delivered. */
    void deframeFailed(Status status);
  }

  private final Listener listener;
  private final int maxMessageSize;
  private final ByteBufAllocator alloc;
  /**
   * Received buffers not yet cut into messages; the head may be partly read. Small at first: most
   * streams hold one or two buffers at a time, and an idle stream should not pay for sixteen.
   */
  private final ArrayDeque<ByteBuf> buffers = new ArrayDeque<>(2);
  private int readable;
  /** Bytes received but not yet returned to flow control. */
  private int unreturned;
  private int credits;
  private int pendingLength = -1;
  private boolean endSeen;
  private boolean closed;
  private boolean delivering;
  private boolean compressedAllowed;
  private boolean pendingCompressed;
  private final boolean server;

  /** {@code server}: whether this side is the server, for the words of a too-large message. */
  public MessageDeframer(ByteBufAllocator alloc, Listener listener, int maxMessageSize,
      boolean server) {
    this.listener = listener;
    this.maxMessageSize = maxMessageSize;
    this.alloc = alloc;
    this.server = server;
  }

  /** Takes ownership of {@code data}. */
  public void add(ByteBuf data) {
    if (closed) {
      data.release();
      return;
    }
    if (data.isReadable()) {
      readable += data.readableBytes();
      unreturned += data.readableBytes();
      buffers.add(data);
    } else {
      data.release();
    }
    deliver();
  }

  public void request(int n) {
    if (n <= 0) {
      return;
    }
    credits = (int) Math.min(Integer.MAX_VALUE, (long) credits + n);
    deliver();
  }

  /** The peer announced a known {@code grpc-encoding}: compressed messages are acceptable. */
  void allowCompressed() {
    compressedAllowed = true;
  }

  public void endOfStream() {
    endSeen = true;
    deliver();
  }

  /** Whether every message received so far has been handed out. */
  boolean isDrained() {
    return readable == 0;
  }

  /** Drops everything buffered; later input is discarded. */
  public void close() {
    if (!closed) {
      closed = true;
      ByteBuf b;
      while ((b = buffers.poll()) != null) {
        b.release();
      }
      readable = 0;
    }
  }

  private void deliver() {
    if (delivering || closed) {
      return;
    }
    delivering = true;
    try {
      returnBytesIfWanted();
      while (!closed) {
        if (pendingLength < 0) {
          if (readable < MessageFramer.HEADER_LENGTH) {
            break;
          }
          int flags = readByte();
          int length = (readByte() << 24) | (readByte() << 16) | (readByte() << 8) | readByte();
          if ((flags & 0xFE) != 0) {
            fail(Status.INTERNAL.withDescription(
                "invalid gRPC frame: unknown flags 0x" + Integer.toHexString(flags)));
            return;
          }
          if ((flags & 1) != 0 && !compressedAllowed) {
            fail(Status.INTERNAL.withDescription(
                "compressed message received but no message encoding was negotiated"));
            return;
          }
          pendingCompressed = (flags & 1) != 0;
          // A compressed message is checked again once inflated.
          if (length < 0 || length > maxMessageSize) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription(
                MessageLimits.tooLarge(server, Integer.toUnsignedLong(length), maxMessageSize)));
            return;
          }
          pendingLength = length;
        }
        if (credits == 0 || readable < pendingLength) {
          break;
        }
        ByteBuf payload = take(pendingLength);
        pendingLength = -1;
        credits--;
        listener.messageRead(payload, pendingCompressed);
      }
      returnBytesIfWanted();
      if (!closed && endSeen && pendingLength < 0 && readable == 0) {
        close();
        listener.endOfStream();
      } else if (!closed && endSeen && credits > 0) {
        // The stream ended inside a message (or its prefix).
        fail(Status.INTERNAL.withDescription("stream ended with a truncated message: "
            + readable + " of "
            + (pendingLength < 0 ? MessageFramer.HEADER_LENGTH + " prefix" : pendingLength + " message")
            + " bytes received"));
      }
    } finally {
      delivering = false;
    }
  }

  /**
   * While the application wants a message, every received byte goes back to the window at once,
   * so a message larger than the window can arrive; once it wants none, bytes wait here and the
   * window closes: that is the back-pressure.
   */
  private void returnBytesIfWanted() {
    if (credits > 0 && unreturned > 0 && !closed) {
      int n = unreturned;
      unreturned = 0;
      listener.bytesConsumed(n);
    }
  }

  private int readByte() {
    ByteBuf head = buffers.peek();
    int b = head.readUnsignedByte();
    readable--;
    if (!head.isReadable()) {
      buffers.poll().release();
    }
    return b;
  }

  /** The next {@code length} bytes as a buffer of their own (a slice when they lie in one). */
  private ByteBuf take(int length) {
    readable -= length;
    ByteBuf head = buffers.peek();
    if (length == 0) {
      return alloc.buffer(0);
    }
    if (head.readableBytes() > length) {
      return head.readRetainedSlice(length);
    }
    if (head.readableBytes() == length) {
      return buffers.poll();
    }
    CompositeByteBuf message = alloc.compositeBuffer(Integer.MAX_VALUE);
    while (length > 0) {
      head = buffers.peek();
      int n = Math.min(length, head.readableBytes());
      if (n == head.readableBytes()) {
        message.addComponent(true, buffers.poll());
      } else {
        message.addComponent(true, head.readRetainedSlice(n));
      }
      length -= n;
    }
    return message;
  }

  private void fail(Status status) {
    close();
    listener.deframeFailed(status);
  }
}
