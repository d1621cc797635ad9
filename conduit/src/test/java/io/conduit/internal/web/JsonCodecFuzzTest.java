package io.conduit.internal.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Struct;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.protobuf.ProtoMarshaller;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * A Connect JSON request body is the client's text: it becomes a message or the call fails
 * INVALID_ARGUMENT (never another status, another exception, or a hang), and a message it became
 * writes back to JSON that reads as the same message.
 */
class JsonCodecFuzzTest {
  private static final MessageCodec JSON = new JsonCodec();
  private static final ProtoMarshaller<Struct> STRUCT = ProtoMarshaller.of(Struct.getDefaultInstance());

  @FuzzTest(maxDuration = "30s")
  void requestBodiesDecodeOrAreInvalidArguments(FuzzedDataProvider data) {
    ByteBuf body = Unpooled.wrappedBuffer(data.consumeRemainingAsBytes());
    Struct message;
    try {
      message = JSON.decode(STRUCT, body);
    } catch (StatusException refused) {
      assertThat(refused.status().code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      return;
    } finally {
      body.release();
    }
    ByteBuf written = JSON.encode(UnpooledByteBufAllocator.DEFAULT, STRUCT, message);
    try {
      assertThat(JSON.decode(STRUCT, written)).isEqualTo(message);
    } finally {
      written.release();
    }
  }
}
