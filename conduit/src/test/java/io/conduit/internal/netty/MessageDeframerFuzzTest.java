package io.conduit.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.conduit.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The deframer under any bytes a peer can send, cut into any chunks, with the application asking
 * for messages at any moments: what it delivers, and how it ends (end of stream, or a failure
 * with a code), is exactly what a plain reading of the gRPC framing says; no message is larger
 * than the limit; nothing comes after the end; every buffer it was given is released.
 */
class MessageDeframerFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void deliversWhatTheFramingSays(FuzzedDataProvider data) {
    int limit = data.consumeInt(0, 300);
    boolean compressedAllowed = data.consumeBoolean();
    int chunks = data.consumeInt(1, 8);
    List<byte[]> parts = new ArrayList<>();
    List<Integer> requests = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      parts.add(data.consumeBytes(data.consumeInt(0, 400)));
      requests.add(data.consumeInt(0, 3));
    }
    byte[] all = concat(parts);
    Expected expected = Expected.parse(all, limit, compressedAllowed);

    Recorder recorder = new Recorder(limit);
    MessageDeframer deframer = new MessageDeframer(UnpooledByteBufAllocator.DEFAULT, recorder, limit, true);
    if (compressedAllowed) {
      deframer.allowCompressed();
    }
    List<ByteBuf> given = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      ByteBuf chunk = Unpooled.wrappedBuffer(parts.get(i));
      given.add(chunk);
      deframer.add(chunk);
      deframer.request(requests.get(i));
    }
    deframer.request(Integer.MAX_VALUE);
    deframer.endOfStream();
    deframer.close();

    assertThat(recorder.messages).hasSameSizeAs(expected.messages);
    for (int i = 0; i < expected.messages.size(); i++) {
      assertThat(recorder.messages.get(i)).isEqualTo(expected.messages.get(i));
    }
    assertThat(recorder.failure == null ? null : recorder.failure.code()).isEqualTo(expected.failure);
    assertThat(recorder.ended).isEqualTo(expected.failure == null);
    assertThat(recorder.consumed).isLessThanOrEqualTo(all.length);
    for (ByteBuf b : given) {
      if (b != Unpooled.EMPTY_BUFFER) {
        // (Netty's shared empty buffer is never freed, whoever releases it.)
        assertThat(b.refCnt()).as("a buffer the deframer was given").isZero();
      }
    }
  }

  private static byte[] concat(List<byte[]> parts) {
    ByteBuffer out = ByteBuffer.allocate(parts.stream().mapToInt(p -> p.length).sum());
    parts.forEach(out::put);
    return out.array();
  }

  /** The messages and the end a plain reading of the framing gives. */
  private record Expected(List<byte[]> messages, Status.Code failure) {
    static Expected parse(byte[] in, int limit, boolean compressedAllowed) {
      List<byte[]> messages = new ArrayList<>();
      int at = 0;
      while (true) {
        if (at == in.length) {
          return new Expected(messages, null);
        }
        if (in.length - at < 5) {
          return new Expected(messages, Status.Code.INTERNAL);
        }
        int flags = in[at] & 0xff;
        long length = ((in[at + 1] & 0xffL) << 24) | ((in[at + 2] & 0xff) << 16)
            | ((in[at + 3] & 0xff) << 8) | (in[at + 4] & 0xff);
        if (flags > 1 || (flags == 1 && !compressedAllowed)) {
          return new Expected(messages, Status.Code.INTERNAL);
        }
        if (length > limit) {
          return new Expected(messages, Status.Code.RESOURCE_EXHAUSTED);
        }
        if (in.length - at - 5 < length) {
          return new Expected(messages, Status.Code.INTERNAL);
        }
        messages.add(Arrays.copyOfRange(in, at + 5, at + 5 + (int) length));
        at += 5 + (int) length;
      }
    }
  }

  private static final class Recorder implements MessageDeframer.Listener {
    final int limit;
    final List<byte[]> messages = new ArrayList<>();
    Status failure;
    boolean ended;
    long consumed;

    Recorder(int limit) {
      this.limit = limit;
    }

    @Override
    public void messageRead(ByteBuf payload, boolean compressed) {
      try {
        assertThat(failure).as("a message after the failure").isNull();
        assertThat(ended).as("a message after the end").isFalse();
        assertThat(payload.readableBytes()).isLessThanOrEqualTo(limit);
        messages.add(ByteBufUtil.getBytes(payload));
      } finally {
        payload.release();
      }
    }

    @Override
    public void bytesConsumed(int bytes) {
      assertThat(bytes).isPositive();
      consumed += bytes;
    }

    @Override
    public void endOfStream() {
      assertThat(ended || failure != null).as("a second end").isFalse();
      ended = true;
    }

    @Override
    public void deframeFailed(Status status) {
      assertThat(ended || failure != null).as("a second end").isFalse();
      failure = status;
    }
  }
}
