package io.conduit.internal.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.protobuf.ProtoMarshaller;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonCodecTest {
  private final MessageCodec json = new JsonCodec();

  @Test
  void aNumberTooLargeForADoubleInAValueIsAnInvalidArgument() {
    assertThat(refusal(ProtoMarshaller.of(Struct.getDefaultInstance()), "{\"n\":1.5e340}")
        .description()).contains("google.protobuf.Struct", "infinity");
  }

  @Test
  void aValueNestedInAListIsCheckedToo() {
    refusal(ProtoMarshaller.of(ListValue.getDefaultInstance()), "[1, [2, -1e999]]");
  }

  @Test
  void largeFiniteNumbersInAValueAreTaken() {
    ByteBuf body = Unpooled.copiedBuffer("{\"n\":1.5e300}", StandardCharsets.UTF_8);
    try {
      Struct struct = json.decode(ProtoMarshaller.of(Struct.getDefaultInstance()), body);
      assertThat(struct.getFieldsOrThrow("n").getNumberValue()).isEqualTo(1.5e300);
    } finally {
      body.release();
    }
  }

  @Test
  void aResponseJsonCannotWriteIsAnInternalErrorThatSaysWhy() {
    Value nan = Value.newBuilder().setNumberValue(Double.NaN).build();
    assertThatThrownBy(() -> json.encode(UnpooledByteBufAllocator.DEFAULT,
        ProtoMarshaller.of(Value.getDefaultInstance()), nan))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.status().code()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.status().description()).startsWith("cannot write the response as JSON");
        });
  }

  /** Decodes {@code text}, which must be refused INVALID_ARGUMENT; returns the status. */
  private Status refusal(ProtoMarshaller<?> marshaller, String text) {
    ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    try {
      json.decode(marshaller, body);
      throw new AssertionError("decoded " + text);
    } catch (StatusException e) {
      assertThat(e.status().code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      return e.status();
    } finally {
      body.release();
    }
  }
}
