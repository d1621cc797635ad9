package io.conduit.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageDeframerTest {

  private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
  private static final int LIMIT = 4 * 1024 * 1024;

  /** Records what the deframer hands out; copies and releases every payload. */
  private static final class Recorder implements MessageDeframer.Listener {
    final List<byte[]> messages = new ArrayList<>();
    final List<Status> failures = new ArrayList<>();
    long consumed;
    int endOfStreams;
    Consumer<byte[]> onMessage = m -> { };

    @Override
    public void messageRead(ByteBuf payload, boolean compressed) {
      byte[] bytes;
      try {
        bytes = ByteBufUtil.getBytes(payload);
      } finally {
        payload.release();
      }
      assertThat(endOfStreams).as("message after end of stream").isZero();
      assertThat(failures).as("message after failure").isEmpty();
      messages.add(bytes);
      onMessage.accept(bytes);
    }

    @Override
    public void bytesConsumed(int bytes) {
      assertThat(bytes).isPositive();
      consumed += bytes;
    }

    @Override
    public void endOfStream() {
      endOfStreams++;
    }

    @Override
    public void deframeFailed(Status status) {
      failures.add(status);
    }
  }

  private final Recorder recorder = new Recorder();
  private final List<ByteBuf> inputs = new ArrayList<>();
  private MessageDeframer deframer = new MessageDeframer(ALLOC, recorder, LIMIT, true);

  @AfterEach
  void everyInputBufferWasReleased() {
    deframer.close();
    for (ByteBuf b : inputs) {
      assertThat(b.refCnt()).as("input buffer still referenced").isZero();
    }
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static byte[] frame(int flags, byte[] payload) {
    return frameWithLength(flags, payload.length, payload);
  }

  private static byte[] frameWithLength(int flags, int length, byte[] payload) {
    byte[] out = new byte[5 + payload.length];
    out[0] = (byte) flags;
    out[1] = (byte) (length >>> 24);
    out[2] = (byte) (length >>> 16);
    out[3] = (byte) (length >>> 8);
    out[4] = (byte) length;
    System.arraycopy(payload, 0, out, 5, payload.length);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] payload(int length, int seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Hands {@code bytes} to the deframer in pooled buffers of {@code chunk} bytes. */
  private void add(byte[] bytes, int chunk) {
    for (int off = 0; off < bytes.length; off += chunk) {
      int n = Math.min(chunk, bytes.length - off);
      ByteBuf b = ALLOC.buffer(n);
      b.writeBytes(bytes, off, n);
      inputs.add(b);
      deframer.add(b);
    }
  }

  private void add(byte[] bytes) {
    add(bytes, Math.max(1, bytes.length));
  }

  // --- splitting and packing --------------------------------------------------------------------

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 13, 100, 1024, 16_384, 1_000_000})
  void messagesSplitAcrossManyBuffers(int chunk) {
    // Leak tracking makes each buffer costly: keep the tiny-chunk cases to a few thousand buffers.
    int large = chunk < 100 ? 2_000 : 70_000;
    byte[][] messages = {payload(0, 1), payload(1, 2), payload(4, 3), payload(5, 4), payload(1000, 5),
        payload(large, 6), payload(0, 7), payload(3, 8)};
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      wire.writeBytes(frame(0, m));
    }
    deframer.request(Integer.MAX_VALUE);
    add(wire.toByteArray(), chunk);
    deframer.endOfStream();

    assertThat(recorder.failures).isEmpty();
    assertThat(recorder.messages).containsExactly(messages);
    assertThat(recorder.consumed).isEqualTo(wire.size());
    assertThat(recorder.endOfStreams).isEqualTo(1);
    assertThat(deframer.isDrained()).isTrue();
  }

  @Test
  void manyMessagesInOneBuffer() {
    int count = 2_000;
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    List<byte[]> expected = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] m = payload(i % 37, i);
      expected.add(m);
      wire.writeBytes(frame(0, m));
    }
    deframer.request(count);
    add(wire.toByteArray());
    assertThat(recorder.messages).containsExactlyElementsOf(expected);
    assertThat(recorder.endOfStreams).isZero();
    deframer.endOfStream();
    assertThat(recorder.endOfStreams).isEqualTo(1);
  }

  @Test
  void buffersThatEachHoldTheEndOfOneMessageAndTheStartOfTheNext() {
    byte[] a = payload(10, 1);
    byte[] b = payload(20, 2);
    byte[] c = payload(30, 3);
    byte[] wire = concat(frame(0, a), frame(0, b), frame(0, c));
    deframer.request(10);
    // Cut at 12: the first message plus two bytes of the second prefix; then 20 bytes...
    add(Arrays.copyOfRange(wire, 0, 12));
    add(Arrays.copyOfRange(wire, 12, 32));
    add(Arrays.copyOfRange(wire, 32, wire.length));
    assertThat(recorder.messages).containsExactly(a, b, c);
  }

  @Test
  void zeroLengthMessages() {
    deframer.request(5);
    add(concat(frame(0, new byte[0]), frame(0, new byte[0]), frame(0, new byte[0])));
    assertThat(recorder.messages).hasSize(3).allSatisfy(m -> assertThat(m).isEmpty());
    assertThat(recorder.consumed).isEqualTo(15);
    deframer.endOfStream();
    assertThat(recorder.endOfStreams).isEqualTo(1);
  }

  @Test
  void zeroLengthMessageWaitsForCredit() {
    add(frame(0, new byte[0]));
    deframer.endOfStream();
    assertThat(recorder.messages).isEmpty();
    assertThat(recorder.endOfStreams).isZero();
    deframer.request(1);
    assertThat(recorder.messages).hasSize(1);
    assertThat(recorder.endOfStreams).isEqualTo(1);
  }

  @Test
  void emptyBuffersAreHarmless() {
    deframer.request(1);
    for (int i = 0; i < 3; i++) {
      ByteBuf empty = ALLOC.buffer(0);
      inputs.add(empty);
      deframer.add(empty);
    }
    add(frame(0, new byte[] {1, 2}));
    assertThat(recorder.messages).containsExactly(new byte[] {1, 2});
  }

  // --- credits ----------------------------------------------------------------------------------

  @Test
  void creditsGateDelivery() {
    byte[] a = payload(3, 1);
    byte[] b = payload(4, 2);
    byte[] c = payload(5, 3);
    add(concat(frame(0, a), frame(0, b), frame(0, c)));
    assertThat(recorder.messages).isEmpty();
    assertThat(deframer.isDrained()).isFalse();

    deframer.request(1);
    assertThat(recorder.messages).containsExactly(a);
    deframer.request(0);
    deframer.request(-5);
    assertThat(recorder.messages).containsExactly(a);

    deframer.request(2);
    assertThat(recorder.messages).containsExactly(a, b, c);
    assertThat(deframer.isDrained()).isTrue();

    // Credit asked for before data arrives is kept: two messages go out as they arrive, the
    // third waits.
    deframer.request(2);
    assertThat(recorder.messages).hasSize(3);
    byte[] d = payload(6, 4);
    add(concat(frame(0, d), frame(0, d), frame(0, d)));
    assertThat(recorder.messages).hasSize(5);
    deframer.endOfStream();
    assertThat(recorder.endOfStreams).as("end of stream waits for the last message").isZero();
    deframer.request(1);
    assertThat(recorder.messages).hasSize(6);
    assertThat(recorder.endOfStreams).isEqualTo(1);
  }

  @Test
  void creditsSaturateInsteadOfOverflowing() {
    deframer.request(Integer.MAX_VALUE);
    deframer.request(Integer.MAX_VALUE);
    add(concat(frame(0, new byte[] {1}), frame(0, new byte[] {2})));
    assertThat(recorder.messages).hasSize(2);
  }

  @Test
  void endOfStreamWithoutMessagesIsReportedWithoutCredit() {
    deframer.endOfStream();
    assertThat(recorder.endOfStreams).isEqualTo(1);
    assertThat(recorder.failures).isEmpty();
  }

  @Test
  void aListenerMayRequestMoreFromInsideMessageRead() {
    int count = 50;
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    for (int i = 0; i < count; i++) {
      wire.writeBytes(frame(0, new byte[] {(byte) i}));
    }
    recorder.onMessage = m -> deframer.request(1);
    add(wire.toByteArray());
    deframer.endOfStream();
    deframer.request(1);
    assertThat(recorder.messages).hasSize(count);
    for (int i = 0; i < count; i++) {
      assertThat(recorder.messages.get(i)).containsExactly(i);
    }
    assertThat(recorder.endOfStreams).isEqualTo(1);
  }

  @Test
  void aListenerMayCloseFromInsideMessageRead() {
    recorder.onMessage = m -> deframer.close();
    deframer.request(10);
    add(concat(frame(0, new byte[] {1}), frame(0, new byte[] {2}), frame(0, payload(100, 1))));
    deframer.endOfStream();
    assertThat(recorder.messages).hasSize(1);
    assertThat(recorder.endOfStreams).isZero();
    assertThat(recorder.failures).isEmpty();
  }

  // --- flow control ---------------------------------------------------------------------------

  @Test
  void bytesWaitingForCreditAreNotReturnedToFlowControl() {
    byte[] wire = concat(frame(0, payload(100, 1)), frame(0, payload(50, 2)));
    add(wire);
    assertThat(recorder.consumed).isZero();
    add(frame(0, payload(10, 3)));
    assertThat(recorder.consumed).isZero();

    deframer.request(1);
    assertThat(recorder.messages).hasSize(1);
    // The application wants data: everything received goes back to the window.
    assertThat(recorder.consumed).isEqualTo(wire.length + 15);
  }

  @Test
  void bytesAreReturnedAtOnceWhileTheApplicationWantsAMessage() {
    deframer.request(1);
    byte[] wire = frame(0, payload(1000, 1));
    // A large message arrives in pieces; each piece is returned so the rest can come.
    add(Arrays.copyOf(wire, 400));
    assertThat(recorder.consumed).isEqualTo(400);
    add(Arrays.copyOfRange(wire, 400, 800));
    assertThat(recorder.consumed).isEqualTo(800);
    add(Arrays.copyOfRange(wire, 800, wire.length));
    assertThat(recorder.messages).hasSize(1);
    assertThat(recorder.consumed).isEqualTo(wire.length);

    // No credit left: the next message's bytes stay unreturned until it is asked for.
    add(frame(0, payload(20, 2)));
    assertThat(recorder.consumed).isEqualTo(wire.length);
    deframer.request(1);
    assertThat(recorder.consumed).isEqualTo(wire.length + 25);
    assertThat(recorder.messages).hasSize(2);
  }

  @Test
  void everyReceivedByteIsEventuallyReturnedWhenEverythingIsRead() {
    Random random = new Random(3);
    long total = 0;
    for (int i = 0; i < 30; i++) {
      byte[] wire = frame(0, payload(random.nextInt(300), i));
      total += wire.length;
      add(wire, 1 + random.nextInt(50));
      if (i % 4 == 0) {
        deframer.request(3);
      }
    }
    deframer.request(100);
    deframer.endOfStream();
    assertThat(recorder.messages).hasSize(30);
    assertThat(recorder.consumed).isEqualTo(total);
    assertThat(recorder.endOfStreams).isEqualTo(1);
  }

  // --- errors -----------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0} bytes received")
  @ValueSource(ints = {1, 4, 5, 6, 104})
  void endOfStreamInsideAMessageIsInternalTruncated(int received) {
    byte[] wire = frame(0, payload(100, 1));
    deframer.request(1);
    add(Arrays.copyOf(wire, received));
    deframer.endOfStream();
    assertThat(recorder.messages).isEmpty();
    assertThat(recorder.endOfStreams).isZero();
    assertThat(recorder.failures).singleElement().satisfies(s -> {
      assertThat(s.code()).isSameAs(Status.Code.INTERNAL);
      assertThat(s.description()).contains("truncated");
    });
  }

  @Test
  void truncationAfterCompleteMessagesDeliversThemFirst() {
    byte[] a = payload(8, 1);
    deframer.request(5);
    add(concat(frame(0, a), Arrays.copyOf(frame(0, payload(8, 2)), 9)));
    deframer.endOfStream();
    assertThat(recorder.messages).containsExactly(a);
    assertThat(recorder.failures).singleElement()
        .satisfies(s -> assertThat(s.code()).isSameAs(Status.Code.INTERNAL));
  }

  @Test
  void truncationIsReportedOnceTheApplicationAsksForTheMessage() {
    add(Arrays.copyOf(frame(0, payload(8, 2)), 9));
    deframer.endOfStream();
    deframer.request(1);
    assertThat(recorder.failures).singleElement().satisfies(s -> {
      assertThat(s.code()).isSameAs(Status.Code.INTERNAL);
      assertThat(s.description()).contains("truncated");
    });
    assertThat(recorder.endOfStreams).isZero();
  }

  @Test
  void aPrefixAboveTheLimitIsResourceExhausted() {
    deframer = new MessageDeframer(ALLOC, recorder, 100, true);
    // Reported as soon as the prefix is seen, before any credit or payload.
    add(frameWithLength(0, 101, new byte[0]));
    assertThat(recorder.failures).singleElement().satisfies(s -> {
      assertThat(s.code()).isSameAs(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(s.description()).contains("101").contains("100");
    });
  }

  @Test
  void aMessageOfExactlyTheLimitIsAccepted() {
    deframer = new MessageDeframer(ALLOC, recorder, 100, true);
    deframer.request(1);
    add(frame(0, payload(100, 1)));
    assertThat(recorder.messages).hasSize(1);
    assertThat(recorder.failures).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {0x80000000, 0xFFFFFFFF, 0x7FFFFFFF})
  void hugePrefixesAreResourceExhausted(int length) {
    add(frameWithLength(0, length, new byte[] {1, 2, 3}));
    assertThat(recorder.failures).singleElement()
        .satisfies(s -> assertThat(s.code()).isSameAs(Status.Code.RESOURCE_EXHAUSTED));
  }

  @Test
  void compressedFlagWithoutNegotiatedEncodingIsInternal() {
    deframer.request(1);
    add(frame(1, new byte[] {1, 2, 3}));
    assertThat(recorder.messages).isEmpty();
    assertThat(recorder.failures).singleElement().satisfies(s -> {
      assertThat(s.code()).isSameAs(Status.Code.INTERNAL);
      assertThat(s.description()).containsIgnoringCase("compress");
    });
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 4, 0x80, 0xFE, 0xFF})
  void unknownFlagsAreInternal(int flags) {
    deframer.request(1);
    add(frame(flags, new byte[] {1, 2, 3}));
    assertThat(recorder.messages).isEmpty();
    assertThat(recorder.failures).singleElement().satisfies(s -> {
      assertThat(s.code()).isSameAs(Status.Code.INTERNAL);
      assertThat(s.description()).contains("flags");
    });
  }

  @Test
  void badFramesAfterGoodOnesStopDeliveryAndLaterInputIsDropped() {
    byte[] a = payload(4, 1);
    deframer.request(10);
    add(concat(frame(0, a), frame(0x40, payload(4, 2)), frame(0, payload(4, 3))));
    assertThat(recorder.messages).containsExactly(a);
    assertThat(recorder.failures).hasSize(1);

    add(frame(0, payload(4, 4)));
    deframer.request(5);
    deframer.endOfStream();
    assertThat(recorder.messages).hasSize(1);
    assertThat(recorder.failures).hasSize(1);
    assertThat(recorder.endOfStreams).isZero();
  }

  // --- close ------------------------------------------------------------------------------------

  @Test
  void closeReleasesEverythingBuffered() {
    // Whole messages waiting for credit, and a partial one spread over several buffers.
    add(concat(frame(0, payload(10, 1)), frame(0, payload(10, 2))));
    add(Arrays.copyOf(frame(0, payload(5000, 3)), 3000), 7);
    assertThat(inputs).anySatisfy(b -> assertThat(b.refCnt()).isPositive());
    deframer.close();
    for (ByteBuf b : inputs) {
      assertThat(b.refCnt()).isZero();
    }
    assertThat(deframer.isDrained()).isTrue();
  }

  @Test
  void closeAfterPartialDeliveryReleasesTheRest() {
    // A message taken as a slice of a buffer that still holds the next message.
    deframer.request(1);
    add(concat(frame(0, payload(10, 1)), frame(0, payload(10, 2)), new byte[] {0, 0}));
    assertThat(recorder.messages).hasSize(1);
    deframer.close();
  }

  @Test
  void inputAfterCloseIsReleasedAndIgnored() {
    deframer.close();
    deframer.request(1);
    add(frame(0, new byte[] {1}));
    deframer.endOfStream();
    assertThat(recorder.messages).isEmpty();
    assertThat(recorder.endOfStreams).isZero();
    assertThat(recorder.failures).isEmpty();
    deframer.close(); // twice is fine
  }

  @Test
  void randomisedSplittingDeliversEveryMessageIntact() {
    Random random = new Random(99);
    for (int round = 0; round < 50; round++) {
      Recorder r = new Recorder();
      deframer = new MessageDeframer(ALLOC, r, LIMIT, true);
      List<byte[]> expected = new ArrayList<>();
      ByteArrayOutputStream wire = new ByteArrayOutputStream();
      int count = 1 + random.nextInt(20);
      for (int i = 0; i < count; i++) {
        byte[] m = payload(random.nextInt(3) == 0 ? 0 : random.nextInt(5000), random.nextInt());
        expected.add(m);
        wire.writeBytes(frame(0, m));
      }
      byte[] bytes = wire.toByteArray();
      int off = 0;
      while (off < bytes.length) {
        if (random.nextInt(4) == 0) {
          deframer.request(1 + random.nextInt(3));
        }
        int n = Math.min(bytes.length - off, 1 + random.nextInt(600));
        ByteBuf b = ALLOC.buffer(n);
        b.writeBytes(bytes, off, n);
        inputs.add(b);
        deframer.add(b);
        off += n;
      }
      deframer.endOfStream();
      deframer.request(count);
      assertThat(r.messages).containsExactlyElementsOf(expected);
      assertThat(r.endOfStreams).isEqualTo(1);
      assertThat(r.failures).isEmpty();
      assertThat(r.consumed).isEqualTo(bytes.length);
    }
  }
}
