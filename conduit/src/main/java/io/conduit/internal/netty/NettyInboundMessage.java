package io.conduit.internal.netty;

import io.conduit.Compressor;
import io.conduit.Marshaller;
import io.conduit.internal.transport.InboundMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** A received payload in a pooled buffer, parsed (and inflated) where the call runs. */
final class NettyInboundMessage implements InboundMessage {
  private final ByteBuf payload;
  private final Compressor decompressor;
  private final int maxSize;
  private final int wireSize;
  private int size;

  /** {@code decompressor} is null for a message that arrived uncompressed. */
  NettyInboundMessage(ByteBuf payload, Compressor decompressor, int maxSize) {
    this.payload = payload;
    this.decompressor = decompressor;
    this.maxSize = maxSize;
    this.wireSize = payload.readableBytes();
    this.size = wireSize;
  }

  @Override
  public <T> T parse(Marshaller<T> marshaller) {
    ByteBuf inflated = null;
    try {
      if (decompressor != null) {
        inflated = MessageFramer.decompress(ByteBufAllocator.DEFAULT, decompressor, payload, maxSize);
        size = inflated.readableBytes();
      }
      return MessageFramer.parse(marshaller, inflated != null ? inflated : payload);
    } finally {
      payload.release();
      if (inflated != null) {
        inflated.release();
      }
    }
  }

  @Override
  public void discard() {
    payload.release();
  }

  @Override
  public boolean compressed() {
    return decompressor != null;
  }

  @Override
  public int wireSize() {
    return wireSize;
  }

  @Override
  public int size() {
    return size;
  }
}
