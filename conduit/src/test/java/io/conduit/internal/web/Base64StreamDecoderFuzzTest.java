package io.conduit.internal.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A gRPC-Web text body, base64 cut into pieces anywhere: what a client encodes (each write on its
 * own, so with padding in the middle) decodes to exactly its bytes however it is cut; and any
 * bytes at all either decode or are refused with IllegalArgumentException, leaking no buffer.
 */
class Base64StreamDecoderFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void clientWritesDecodeHoweverTheyAreCut(FuzzedDataProvider data) {
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    StringBuilder text = new StringBuilder();
    int writes = data.consumeInt(1, 5);
    for (int i = 0; i < writes; i++) {
      byte[] write = data.consumeBytes(data.consumeInt(0, 64));
      sent.writeBytes(write);
      text.append(data.consumeBoolean() ? Base64.getEncoder().encodeToString(write)
          : Base64.getUrlEncoder().encodeToString(write));
    }
    byte[] body = text.toString().getBytes(StandardCharsets.US_ASCII);
    Base64StreamDecoder decoder = new Base64StreamDecoder();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    int at = 0;
    while (at < body.length) {
      int n = Math.min(body.length - at, data.consumeInt(1, 9));
      got.writeBytes(decodePiece(decoder, body, at, n));
      at += n;
    }
    assertThat(got.toByteArray()).isEqualTo(sent.toByteArray());
  }

  @FuzzTest(maxDuration = "30s")
  void anyBytesDecodeOrAreRefused(FuzzedDataProvider data) {
    Base64StreamDecoder decoder = new Base64StreamDecoder();
    long in = 0;
    long out = 0;
    while (data.remainingBytes() > 0) {
      byte[] piece = data.consumeBytes(data.consumeInt(1, 16));
      try {
        out += decodePiece(decoder, piece, 0, piece.length).length;
        in += piece.length;
        // A piece may complete a group begun in the one before, so only the totals compare.
        assertThat(out).isLessThanOrEqualTo(in / 4 * 3);
      } catch (IllegalArgumentException refused) {
        assertThat(refused.getMessage()).contains("base64");
        return;
      }
    }
  }

  private static byte[] decodePiece(Base64StreamDecoder decoder, byte[] body, int at, int n) {
    ByteBuf in = Unpooled.wrappedBuffer(body, at, n);
    try {
      ByteBuf out = decoder.decode(UnpooledByteBufAllocator.DEFAULT, in);
      try {
        return ByteBufUtil.getBytes(out);
      } finally {
        out.release();
      }
    } finally {
      in.release();
    }
  }
}
