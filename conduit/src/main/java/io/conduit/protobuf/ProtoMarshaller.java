package io.conduit.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.conduit.Marshaller;
import io.conduit.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Marshals protobuf messages straight to and from the transport's buffers, with no intermediate
 * byte arrays. Generated stubs use {@code ProtoMarshaller.of(HelloRequest.getDefaultInstance())}.
 */
public final class ProtoMarshaller<T extends MessageLite> implements Marshaller<T> {

  private final T defaultInstance;
  private final Parser<T> parser;

  private ProtoMarshaller(T defaultInstance) {
    this.defaultInstance = defaultInstance;
    @SuppressWarnings("unchecked")
    Parser<T> p = (Parser<T>) defaultInstance.getParserForType();
    this.parser = p;
  }

  /**
   * The marshaller for messages of {@code defaultInstance}'s type.
   *
   * @param <T> the message type
   * @param defaultInstance the message type's default instance
   * @return the marshaller
   */
  public static <T extends MessageLite> ProtoMarshaller<T> of(T defaultInstance) {
    return new ProtoMarshaller<>(defaultInstance);
  }

  /** {@return the default instance of the message type} */
  public T defaultInstance() {
    return defaultInstance;
  }

  @Override
  public int serializedSize(T value) {
    return value.getSerializedSize();
  }

  @Override
  public void write(T value, ByteBuffer target) {
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(target);
      value.writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public T parse(ByteBuffer source) {
    if (!source.hasRemaining()) {
      return defaultInstance;
    }
    return parse(CodedInputStream.newInstance(source));
  }

  /** Parses a message spread over several buffers where it lies, without joining them first. */
  @Override
  public T parse(ByteBuffer[] sources) {
    if (sources.length == 1) {
      return parse(sources[0]);
    }
    return parse(CodedInputStream.newInstance(Arrays.asList(sources)));
  }

  private T parse(CodedInputStream in) {
    try {
      // Messages may be as large as the inbound limit; that limit, not protobuf's, applies.
      in.setSizeLimit(Integer.MAX_VALUE);
      T message = parser.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
      in.checkLastTagWas(0);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL.withDescription("invalid protobuf message: " + e.getMessage())
          .withCause(e).asException();
    }
  }
}
