package io.conduit.internal.web;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.conduit.Marshaller;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.protobuf.ProtoMarshaller;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The standard protobuf JSON mapping (protobuf-java-util's {@link JsonFormat}), for messages
 * whose methods use a {@link ProtoMarshaller} of full (not lite) messages. Loaded only when
 * protobuf-java-util is on the class path ({@link MessageCodec#json}).
 */
final class JsonCodec implements MessageCodec {
  private final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
  private final JsonFormat.Parser parser = JsonFormat.parser();
  /** Per message type: whether it holds a google.protobuf.Value anywhere below it. */
  private final Map<Descriptor, Boolean> holdsValue = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "json";
  }

  @Override
  public <T> ByteBuf encode(ByteBufAllocator alloc, Marshaller<T> marshaller, T message) {
    if (!(message instanceof MessageOrBuilder m)) {
      throw Status.INTERNAL.withDescription("the JSON codec needs a protobuf message, not "
          + message.getClass().getName()).asException();
    }
    try {
      byte[] json = printer.print(m).getBytes(StandardCharsets.UTF_8);
      return alloc.buffer(json.length).writeBytes(json);
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw Status.INTERNAL.withDescription("cannot write the response as JSON: " + e.getMessage())
          .withCause(e).asException();
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T decode(Marshaller<T> marshaller, ByteBuf payload) {
    if (!(marshaller instanceof ProtoMarshaller<?> pm) || !(pm.defaultInstance() instanceof Message prototype)) {
      throw Status.UNIMPLEMENTED.withDescription("this method takes no JSON (its messages are not "
          + "full protobuf messages)").asException();
    }
    Message.Builder builder = prototype.newBuilderForType();
    try {
      parser.merge(payload.toString(StandardCharsets.UTF_8), builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw invalidRequest(prototype, e);
    }
    Message message = builder.build();
    if (holdsValue.computeIfAbsent(prototype.getDescriptorForType(), JsonCodec::holdsValue)) {
      refuseUnwritableValues(message, prototype);
    }
    return (T) message;
  }

  /**
   * The parser reads a number too large for a double (1e400) into a google.protobuf.Value as
   * infinity, which JSON cannot write back; such a request is refused here rather than failing
   * when the handler echoes it. Only message types that hold a Value pay for this check.
   */
  private void refuseUnwritableValues(Message message, Message prototype) {
    try {
      printer.print(message);
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw invalidRequest(prototype, e);
    }
  }

  private static StatusException invalidRequest(Message prototype, Exception e) {
    return Status.INVALID_ARGUMENT.withDescription("the request is not a valid JSON "
        + prototype.getDescriptorForType().getFullName() + ": " + e.getMessage()).asException();
  }

  private static boolean holdsValue(Descriptor type) {
    return holdsValue(type, new HashSet<>());
  }

  private static boolean holdsValue(Descriptor type, Set<Descriptor> seen) {
    if (type.equals(Value.getDescriptor())) {
      return true;
    }
    if (!seen.add(type)) {
      return false;
    }
    for (FieldDescriptor field : type.getFields()) {
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && holdsValue(field.getMessageType(), seen)) {
        return true;
      }
    }
    return false;
  }
}
