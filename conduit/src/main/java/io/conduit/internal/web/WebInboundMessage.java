package io.conduit.internal.web;

import io.conduit.Marshaller;
import io.conduit.internal.transport.InboundMessage;
import io.netty.buffer.ByteBuf;

/** A received web request message, parsed with its codec on the call's executor. */
final class WebInboundMessage implements InboundMessage {
  private final ByteBuf payload;
  private final MessageCodec codec;
  private final int wireSize;

  WebInboundMessage(ByteBuf payload, MessageCodec codec) {
    this.payload = payload;
    this.codec = codec;
    this.wireSize = payload.readableBytes();
  }

  @Override
  public <T> T parse(Marshaller<T> marshaller) {
    try {
      return codec.decode(marshaller, payload);
    } finally {
      payload.release();
    }
  }

  @Override
  public void discard() {
    payload.release();
  }

  @Override
  public boolean compressed() {
    return false;
  }

  @Override
  public int wireSize() {
    return wireSize;
  }

  @Override
  public int size() {
    // Web messages arrive uncompressed (the server accepts no web compression).
    return wireSize;
  }
}
