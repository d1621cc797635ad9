package io.conduit.internal.web;

import io.conduit.Marshaller;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** How a web protocol puts messages in bodies: protobuf's binary form, or its JSON mapping. */
interface MessageCodec {
  /** {@code proto} or {@code json}, as in the content types. */
  String name();

  /** The message's bytes, on the sender's thread. */
  <T> ByteBuf encode(ByteBufAllocator alloc, Marshaller<T> marshaller, T message);

  /**
   * The message in {@code payload} (not released here).
   *
   * @throws io.conduit.StatusException INVALID_ARGUMENT for bytes that are not such a message
   */
  <T> T decode(Marshaller<T> marshaller, ByteBuf payload);

  /** Protobuf's binary encoding, with the method's own marshaller. */
  MessageCodec PROTO = new MessageCodec() {
    @Override
    public String name() {
      return "proto";
    }

    @Override
    public <T> ByteBuf encode(ByteBufAllocator alloc, Marshaller<T> marshaller, T message) {
      ByteBuf framed = io.conduit.internal.netty.MessageFramer.frame(alloc, marshaller, message, -1);
      return framed.skipBytes(io.conduit.internal.netty.MessageFramer.HEADER_LENGTH);
    }

    @Override
    public <T> T decode(Marshaller<T> marshaller, ByteBuf payload) {
      return io.conduit.internal.netty.MessageFramer.parse(marshaller, payload);
    }
  };

  /** The JSON codec, or null when protobuf-java-util is not on the class path. */
  static MessageCodec json() {
    return JsonSupport.CODEC;
  }

  /** Loads the JSON codec only where its library is present. */
  final class JsonSupport {
    static final MessageCodec CODEC = load();

    private JsonSupport() {}

    private static MessageCodec load() {
      try {
        Class.forName("com.google.protobuf.util.JsonFormat", false, MessageCodec.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        return null;
      }
      return new JsonCodec();
    }
  }
}
