package io.conduit;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns messages of type {@code T} into bytes and back.
 *
 * <p>The transport asks for the exact size first, then hands {@link #write} a buffer with exactly
 * that many bytes remaining, so messages are serialized straight into pooled network buffers.
 * {@code io.conduit.protobuf.ProtoMarshaller} implements it for protobuf messages.
 */
public interface Marshaller<T> {

  /**
   * The number of bytes {@link #write} will produce for {@code value}.
   *
   * @param value the message
   * @return its size in bytes
   */
  int serializedSize(T value);

  /**
   * Writes exactly {@link #serializedSize} bytes of {@code value} at {@code target}'s position.
   *
   * @param value the message
   * @param target the buffer to write into, with at least {@link #serializedSize} bytes remaining
   */
  void write(T value, ByteBuffer target);

  /**
   * Parses a whole message from {@code source}'s remaining bytes. The buffer is valid only during
   * the call; implementations must copy what they keep. Throw any exception for bad input: the
   * call fails with INTERNAL.
   *
   * @param source the message's bytes
   * @return the message
   */
  T parse(ByteBuffer source);

  /**
   * Parses a whole message from the remaining bytes of {@code sources}, in order: a large message
   * arrives in many network reads, and this lets it be parsed where it lies. The default joins
   * the pieces into one buffer for {@link #parse(ByteBuffer)}; override it to save that copy. The
   * buffers are valid only during the call.
   *
   * @param sources the message's bytes, in pieces
   * @return the message
   */
  default T parse(ByteBuffer[] sources) {
    if (sources.length == 1) {
      return parse(sources[0]);
    }
    int size = 0;
    for (ByteBuffer b : sources) {
      size += b.remaining();
    }
    ByteBuffer joined = ByteBuffer.allocate(size);
    for (ByteBuffer b : sources) {
      joined.put(b);
    }
    return parse(joined.flip());
  }

  /**
   * A marshaller from byte-array functions; simple, at the cost of one copy each way.
   *
   * @param <T> the message type
   * @param encoder turns a message into bytes
   * @param decoder turns bytes into a message
   * @return the marshaller
   */
  static <T> Marshaller<T> ofBytes(Function<T, byte[]> encoder, Function<byte[], T> decoder) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(decoder, "decoder");
    return new Marshaller<>() {
      @Override
      public int serializedSize(T value) {
        return encoder.apply(value).length;
      }

      @Override
      public void write(T value, ByteBuffer target) {
        target.put(encoder.apply(value));
      }

      @Override
      public T parse(ByteBuffer source) {
        byte[] bytes = new byte[source.remaining()];
        source.get(bytes);
        return decoder.apply(bytes);
      }

      @Override
      public T parse(ByteBuffer[] sources) {
        int size = 0;
        for (ByteBuffer b : sources) {
          size += b.remaining();
        }
        byte[] bytes = new byte[size];
        int at = 0;
        for (ByteBuffer b : sources) {
          int n = b.remaining();
          b.get(bytes, at, n);
          at += n;
        }
        return decoder.apply(bytes);
      }
    };
  }

  /** {@return the identity marshaller for raw bytes} */
  static Marshaller<byte[]> bytes() {
    return ofBytes(Function.identity(), Function.identity());
  }
}
