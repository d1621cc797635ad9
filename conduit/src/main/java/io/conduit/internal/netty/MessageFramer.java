package io.conduit.internal.netty;

import io.conduit.Compressor;
import io.conduit.Marshaller;
import io.conduit.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Writes a message as a gRPC frame: flag byte, 4-byte length, payload, in one pooled buffer. */
public final class MessageFramer {
  public static final int HEADER_LENGTH = 5;

  private MessageFramer() {}

  /**
   * The framed message. Runs on the sender's thread, so serialization cost stays off the event
   * loop.
   *
   * @throws io.conduit.StatusException RESOURCE_EXHAUSTED when larger than {@code maxSize}
   */
  public static <T> ByteBuf frame(ByteBufAllocator alloc, Marshaller<T> marshaller, T message, int maxSize) {
    return frame(alloc, marshaller, message, maxSize, null);
  }

  /**
   * The framed message, compressed with {@code compressor} (flag 1) unless it is null. The size
   * limit applies to the uncompressed message.
   */
  static <T> ByteBuf frame(ByteBufAllocator alloc, Marshaller<T> marshaller, T message, int maxSize,
      Compressor compressor) {
    if (compressor == null) {
      return plainFrame(alloc, marshaller, message, maxSize);
    }
    ByteBuf plain = plainFrame(alloc, marshaller, message, maxSize);
    ByteBuf out = alloc.buffer(Math.max(64, plain.readableBytes() / 2));
    boolean ok = false;
    try {
      out.writeByte(1);
      out.writeInt(0);
      plain.skipBytes(HEADER_LENGTH);
      try (OutputStream z = compressor.compress(new ByteBufOutputStream(out))) {
        plain.readBytes(z, plain.readableBytes());
      }
      out.setInt(1, out.readableBytes() - HEADER_LENGTH);
      ok = true;
      return out;
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("compression with " + compressor.name() + " failed: " + e)
          .withCause(e).asException();
    } finally {
      plain.release();
      if (!ok) {
        out.release();
      }
    }
  }

  /**
   * Decompresses a message payload into a buffer of its own, refusing to inflate past
   * {@code maxSize}: a small message that would expand into gigabytes stops at the limit.
   */
  static ByteBuf decompress(ByteBufAllocator alloc, Compressor compressor, ByteBuf payload, int maxSize) {
    ByteBuf out = alloc.buffer(Math.min(Math.max(256, payload.readableBytes() * 4), maxSize + 1));
    boolean ok = false;
    try (InputStream in = compressor.decompress(new ByteBufInputStream(payload.duplicate()))) {
      while (true) {
        int room = maxSize + 1 - out.readableBytes();
        if (room <= 0) {
          throw Status.RESOURCE_EXHAUSTED.withDescription("decompressed message exceeds the inbound limit of "
              + maxSize + " bytes").asException();
        }
        out.ensureWritable(Math.min(room, 64 * 1024));
        int n = out.writeBytes(in, Math.min(room, out.writableBytes()));
        if (n < 0) {
          break;
        }
      }
      ok = true;
      return out;
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("cannot decompress message with " + compressor.name()
          + ": " + e.getMessage()).withCause(e).asException();
    } finally {
      if (!ok) {
        out.release();
      }
    }
  }

  /** Parses a message payload where it lies: one buffer, or the pieces it arrived in. */
  public static <T> T parse(Marshaller<T> marshaller, ByteBuf payload) {
    return payload.nioBufferCount() == 1
        ? marshaller.parse(payload.nioBuffer()) : marshaller.parse(payload.nioBuffers());
  }

  private static <T> ByteBuf plainFrame(ByteBufAllocator alloc, Marshaller<T> marshaller, T message,
      int maxSize) {
    int size = marshaller.serializedSize(message);
    if (size < 0) {
      throw Status.INTERNAL.withDescription("marshaller announced a negative size: " + size)
          .asException();
    }
    if (maxSize >= 0 && size > maxSize) {
      throw Status.RESOURCE_EXHAUSTED
          .withDescription("message of " + size + " bytes exceeds the outbound limit of " + maxSize)
          .asException();
    }
    ByteBuf buf = alloc.buffer(HEADER_LENGTH + size);
    boolean ok = false;
    try {
      buf.writeByte(0);
      buf.writeInt(size);
      if (size > 0) {
        ByteBuffer target = buf.nioBuffer(HEADER_LENGTH, size);
        marshaller.write(message, target);
        if (target.hasRemaining()) {
          throw Status.INTERNAL.withDescription("marshaller wrote " + target.position()
              + " bytes of the " + size + " it announced").asException();
        }
        buf.writerIndex(HEADER_LENGTH + size);
      }
      ok = true;
      return buf;
    } finally {
      if (!ok) {
        buf.release();
      }
    }
  }
}
