package io.conduit.internal.transport;

import io.conduit.Marshaller;
import io.conduit.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;

/** Writes a message as a gRPC frame: flag byte, 4-byte length, payload, in one pooled buffer. */
final class MessageFramer {
  static final int HEADER_LENGTH = 5;

  private MessageFramer() {}

  /**
   * The framed message. Runs on the sender's thread, so serialization cost stays off the event
   * loop.
   *
   * @throws io.conduit.StatusException RESOURCE_EXHAUSTED when larger than {@code maxSize}
   */
  static <T> ByteBuf frame(ByteBufAllocator alloc, Marshaller<T> marshaller, T message, int maxSize) {
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
