package io.conduit.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.conduit.Marshaller;
import io.conduit.Status;
import io.conduit.StatusException;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageFramerTest {

  /** Allocates plain buffers and remembers them, so a test can see they were released. */
  private static final class RecordingAllocator extends AbstractByteBufAllocator {
    final List<ByteBuf> allocated = new ArrayList<>();

    RecordingAllocator(boolean direct) {
      super(direct);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
      allocated.add(b);
      return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
      allocated.add(b);
      return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    void assertAllReleased() {
      assertThat(allocated).isNotEmpty();
      for (ByteBuf b : allocated) {
        assertThat(b.refCnt()).as("allocated buffer released").isZero();
      }
    }
  }

  /** A marshaller that announces {@code announced} bytes and writes {@code written}. */
  private static Marshaller<byte[]> lying(int announced, int written) {
    return new Marshaller<>() {
      @Override
      public int serializedSize(byte[] value) {
        return announced;
      }

      @Override
      public void write(byte[] value, ByteBuffer target) {
        target.put(new byte[written]);
      }

      @Override
      public byte[] parse(ByteBuffer source) {
        throw new UnsupportedOperationException();
      }
    };
  }

  private static byte[] bytes(int length) {
    byte[] b = new byte[length];
    new Random(length).nextBytes(b);
    return b;
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, 4, 5, 255, 256, 1000, 65_535, 65_536, 70_000, 1 << 20})
  void writesTheFiveBytePrefixAndTheExactPayload(int size) {
    byte[] message = bytes(size);
    ByteBuf frame = MessageFramer.frame(PooledByteBufAllocator.DEFAULT, Marshaller.bytes(), message, -1);
    try {
      assertThat(frame.readableBytes()).isEqualTo(MessageFramer.HEADER_LENGTH + size);
      assertThat(frame.getUnsignedByte(0)).isZero();
      assertThat(frame.getInt(1)).isEqualTo(size);
      byte[] wire = ByteBufUtil.getBytes(frame);
      assertThat(wire[1]).isEqualTo((byte) (size >>> 24));
      assertThat(wire[2]).isEqualTo((byte) (size >>> 16));
      assertThat(wire[3]).isEqualTo((byte) (size >>> 8));
      assertThat(wire[4]).isEqualTo((byte) size);
      assertThat(Arrays.copyOfRange(wire, 5, wire.length)).isEqualTo(message);
    } finally {
      frame.release();
    }
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void worksWithHeapAndDirectBuffers(boolean direct) {
    RecordingAllocator alloc = new RecordingAllocator(direct);
    byte[] message = bytes(300);
    ByteBuf frame = MessageFramer.frame(alloc, Marshaller.bytes(), message, 1000);
    assertThat(frame.isDirect()).isEqualTo(direct);
    assertThat(Arrays.copyOfRange(ByteBufUtil.getBytes(frame), 5, 305)).isEqualTo(message);
    frame.release();
    alloc.assertAllReleased();
  }

  @Test
  void aMessageOfExactlyTheLimitIsFramed() {
    ByteBuf frame = MessageFramer.frame(PooledByteBufAllocator.DEFAULT, Marshaller.bytes(), bytes(100), 100);
    assertThat(frame.readableBytes()).isEqualTo(105);
    frame.release();
  }

  @Test
  void rejectsAMessageOverTheLimitWithResourceExhausted() {
    RecordingAllocator alloc = new RecordingAllocator(false);
    Throwable t = catchThrowable(() -> MessageFramer.frame(alloc, Marshaller.bytes(), bytes(101), 100));
    assertThat(t).isInstanceOf(StatusException.class);
    Status status = ((StatusException) t).status();
    assertThat(status.code()).isSameAs(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.description()).contains("101").contains("100");
    for (ByteBuf b : alloc.allocated) {
      assertThat(b.refCnt()).isZero();
    }
  }

  @Test
  void zeroLimitAllowsOnlyEmptyMessages() {
    ByteBuf frame = MessageFramer.frame(PooledByteBufAllocator.DEFAULT, Marshaller.bytes(), new byte[0], 0);
    assertThat(frame.readableBytes()).isEqualTo(5);
    frame.release();
    assertThatThrownBy(() -> MessageFramer.frame(PooledByteBufAllocator.DEFAULT, Marshaller.bytes(), new byte[1], 0))
        .isInstanceOf(StatusException.class);
  }

  @Test
  void releasesTheBufferWhenTheMarshallerWritesTooLittle() {
    RecordingAllocator alloc = new RecordingAllocator(false);
    Throwable t = catchThrowable(() -> MessageFramer.frame(alloc, lying(10, 4), new byte[0], -1));
    assertThat(t).isInstanceOf(StatusException.class);
    assertThat(((StatusException) t).status().code()).isSameAs(Status.Code.INTERNAL);
    alloc.assertAllReleased();
  }

  @Test
  void releasesTheBufferWhenTheMarshallerWritesTooMuch() {
    RecordingAllocator alloc = new RecordingAllocator(false);
    assertThatThrownBy(() -> MessageFramer.frame(alloc, lying(4, 10), new byte[0], -1))
        .isInstanceOf(RuntimeException.class);
    alloc.assertAllReleased();
  }

  @Test
  void releasesTheBufferWhenTheMarshallerThrows() {
    RecordingAllocator alloc = new RecordingAllocator(true);
    Marshaller<String> throwing = new Marshaller<>() {
      @Override
      public int serializedSize(String value) {
        return 8;
      }

      @Override
      public void write(String value, ByteBuffer target) {
        target.put((byte) 1);
        throw new IllegalStateException("marshaller failed (expected by the test)");
      }

      @Override
      public String parse(ByteBuffer source) {
        throw new UnsupportedOperationException();
      }
    };
    assertThatThrownBy(() -> MessageFramer.frame(alloc, throwing, "x", -1))
        .isInstanceOf(IllegalStateException.class);
    alloc.assertAllReleased();
  }

  @Test
  void aMarshallerThatFailsToSizeAllocatesNothing() {
    RecordingAllocator alloc = new RecordingAllocator(false);
    Marshaller<String> throwing = Marshaller.ofBytes(s -> {
      throw new IllegalArgumentException("cannot encode (expected by the test)");
    }, b -> "");
    assertThatThrownBy(() -> MessageFramer.frame(alloc, throwing, "x", -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(alloc.allocated).isEmpty();
  }

  /**
   * A negative size from a broken marshaller must not produce a frame whose prefix announces
   * 4 GiB (or any bogus length) with no payload behind it.
   */
  @ParameterizedTest
  @ValueSource(ints = {-1, -5, Integer.MIN_VALUE})
  void rejectsANegativeSerializedSize(int size) {
    RecordingAllocator alloc = new RecordingAllocator(false);
    Throwable t = catchThrowable(() -> {
      ByteBuf frame = MessageFramer.frame(alloc, lying(size, 0), new byte[0], -1);
      frame.release();
    });
    assertThat(t).as("framing a message of size %d", size).isNotNull();
    for (ByteBuf b : alloc.allocated) {
      assertThat(b.refCnt()).isZero();
    }
  }

  @Test
  void framedMessagesDeframeToTheSamePayloads() {
    List<byte[]> received = new ArrayList<>();
    MessageDeframer deframer = new MessageDeframer(PooledByteBufAllocator.DEFAULT,
        new MessageDeframer.Listener() {
          @Override
          public void messageRead(ByteBuf payload, boolean compressed) {
            received.add(ByteBufUtil.getBytes(payload));
            payload.release();
          }

          @Override
          public void bytesConsumed(int bytes) {}

          @Override
          public void endOfStream() {}

          @Override
          public void deframeFailed(Status status) {
            throw new AssertionError(status.toString());
          }
        }, 1 << 20, true);
    deframer.request(100);
    List<byte[]> sent = new ArrayList<>();
    for (int size : new int[] {0, 1, 17, 4096, 100_000}) {
      byte[] m = bytes(size);
      sent.add(m);
      deframer.add(MessageFramer.frame(PooledByteBufAllocator.DEFAULT, Marshaller.bytes(), m, -1));
    }
    deframer.endOfStream();
    assertThat(received).containsExactlyElementsOf(sent);
  }
}
