package io.conduit.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ListValue;
import com.google.protobuf.MessageLite;
import com.google.protobuf.NullValue;
import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.conduit.Status;
import io.conduit.StatusException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProtoMarshallerTest {

  private static final ProtoMarshaller<StringValue> STRINGS = ProtoMarshaller.of(StringValue.getDefaultInstance());
  private static final ProtoMarshaller<Struct> STRUCTS = ProtoMarshaller.of(Struct.getDefaultInstance());

  private static <T extends MessageLite> T roundTrip(
      ProtoMarshaller<T> marshaller, T message, boolean direct) {
    int size = marshaller.serializedSize(message);
    assertThat(size).isEqualTo(message.getSerializedSize());
    // Write at an offset, the way the framer does after the 5-byte prefix.
    ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(size + 5) : ByteBuffer.allocate(size + 5);
    buffer.position(5);
    ByteBuffer target = buffer.slice();
    marshaller.write(message, target);
    assertThat(target.remaining()).as("write fills exactly serializedSize bytes").isZero();
    buffer.position(5);
    return marshaller.parse(buffer.slice());
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void stringValueRoundTrips(boolean direct) {
    StringValue message = StringValue.of("héllo, wörld ☺ 😈");
    assertThat(roundTrip(STRINGS, message, direct)).isEqualTo(message);
    StringValue big = StringValue.of("x".repeat(100_000));
    assertThat(roundTrip(STRINGS, big, direct)).isEqualTo(big);
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void structRoundTrips(boolean direct) {
    Struct message = Struct.newBuilder()
        .putFields("name", Value.newBuilder().setStringValue("conduit").build())
        .putFields("count", Value.newBuilder().setNumberValue(42.5).build())
        .putFields("on", Value.newBuilder().setBoolValue(true).build())
        .putFields("nothing", Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build())
        .putFields("list", Value.newBuilder().setListValue(ListValue.newBuilder()
            .addValues(Value.newBuilder().setNumberValue(1))
            .addValues(Value.newBuilder().setStringValue("two"))).build())
        .putFields("nested", Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("deep", Value.newBuilder().setStringValue("yes").build())).build())
        .build();
    assertThat(roundTrip(STRUCTS, message, direct)).isEqualTo(message);
  }

  @Test
  void defaultInstancesRoundTripThroughZeroBytes() {
    assertThat(STRINGS.serializedSize(StringValue.getDefaultInstance())).isZero();
    assertThat(roundTrip(STRINGS, StringValue.getDefaultInstance(), false))
        .isEqualTo(StringValue.getDefaultInstance());
  }

  @Test
  void anEmptyBufferIsTheDefaultInstance() {
    assertThat(STRINGS.parse(ByteBuffer.allocate(0))).isSameAs(StringValue.getDefaultInstance());
    assertThat(STRUCTS.parse(ByteBuffer.allocateDirect(0))).isSameAs(Struct.getDefaultInstance());
    ByteBuffer consumed = ByteBuffer.wrap(new byte[] {1, 2, 3});
    consumed.position(3);
    assertThat(STRINGS.parse(consumed)).isSameAs(StringValue.getDefaultInstance());
    assertThat(STRINGS.defaultInstance()).isSameAs(StringValue.getDefaultInstance());
  }

  @Test
  void parseReadsOnlyTheRemainingBytes() {
    byte[] encoded = StringValue.of("abc").toByteArray();
    byte[] padded = new byte[encoded.length + 6];
    System.arraycopy(encoded, 0, padded, 3, encoded.length);
    ByteBuffer window = ByteBuffer.wrap(padded, 3, encoded.length);
    assertThat(STRINGS.parse(window).getValue()).isEqualTo("abc");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "ff ff ff ff ff ff ff ff ff ff ff",  // a varint tag that never ends
    "0a 05 61",                          // a string field announcing 5 bytes, 1 present
    "0a",                                // a tag and nothing else
    "0c",                                // an END_GROUP tag with no group open
    "0f",                                // wire type 7 does not exist
    "00",                                // field number 0 is invalid
  })
  void garbageIsInternalMentioningProtobuf(String hex) {
    byte[] garbage = parseHex(hex);
    for (ByteBuffer source : new ByteBuffer[] {ByteBuffer.wrap(garbage), direct(garbage)}) {
      Throwable t = catchThrowable(() -> STRINGS.parse(source));
      assertThat(t).as(hex).isInstanceOf(StatusException.class);
      Status status = ((StatusException) t).status();
      assertThat(status.code()).isSameAs(Status.Code.INTERNAL);
      assertThat(status.description()).containsIgnoringCase("protobuf");
    }
  }

  @Test
  void garbageInANestedMessageIsInternal() {
    // Struct field 1 (a map entry) whose bytes are themselves truncated.
    byte[] garbage = parseHex("0a 04 0a 05 61 62");
    Throwable t = catchThrowable(() -> STRUCTS.parse(ByteBuffer.wrap(garbage)));
    assertThat(t).isInstanceOf(StatusException.class);
    assertThat(((StatusException) t).status().code()).isSameAs(Status.Code.INTERNAL);
  }

  @Test
  void nestingBeyondProtobufsRecursionLimitIsInternal() {
    Struct deep = Struct.getDefaultInstance();
    for (int i = 0; i < 60; i++) {
      deep = Struct.newBuilder().putFields("f", Value.newBuilder().setStructValue(deep).build()).build();
    }
    byte[] bytes = deep.toByteArray();
    Throwable t = catchThrowable(() -> STRUCTS.parse(ByteBuffer.wrap(bytes)));
    assertThat(t).isInstanceOf(StatusException.class);
    assertThat(((StatusException) t).status().code()).isSameAs(Status.Code.INTERNAL);
    assertThat(((StatusException) t).status().description()).containsIgnoringCase("protobuf");
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void parsesAMessageSplitAcrossBuffers(boolean direct) {
    Struct message = Struct.newBuilder()
        .putFields("text", Value.newBuilder().setStringValue("y".repeat(50_000)).build())
        .putFields("n", Value.newBuilder().setNumberValue(7).build())
        .build();
    byte[] bytes = message.toByteArray();
    // Cuts inside tags, lengths and the string: the pieces a network read would leave.
    int[] cuts = {0, 1, 3, 4, 1000, 16384, 16385, bytes.length - 2, bytes.length};
    ByteBuffer[] pieces = new ByteBuffer[cuts.length - 1];
    for (int i = 0; i < pieces.length; i++) {
      byte[] piece = java.util.Arrays.copyOfRange(bytes, cuts[i], cuts[i + 1]);
      pieces[i] = direct ? direct(piece) : ByteBuffer.wrap(piece);
    }
    assertThat(STRUCTS.parse(pieces)).isEqualTo(message);
  }

  @Test
  void garbageSplitAcrossBuffersIsInternal() {
    ByteBuffer[] pieces = {direct(parseHex("0a 05")), direct(parseHex("61"))};
    Throwable t = catchThrowable(() -> STRINGS.parse(pieces));
    assertThat(t).isInstanceOf(StatusException.class);
    assertThat(((StatusException) t).status().code()).isSameAs(Status.Code.INTERNAL);
  }

  @Test
  void byteArrayMarshallersJoinPieces() {
    io.conduit.Marshaller<byte[]> bytes = io.conduit.Marshaller.bytes();
    ByteBuffer[] pieces = {ByteBuffer.wrap(new byte[] {1, 2}), direct(new byte[] {3}),
        ByteBuffer.wrap(new byte[0]), ByteBuffer.wrap(new byte[] {4, 5})};
    assertThat(bytes.parse(pieces)).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void theDefaultMultiBufferParseJoinsThePieces() {
    io.conduit.Marshaller<String> hex = new io.conduit.Marshaller<>() {
      @Override
      public int serializedSize(String value) {
        return value.length();
      }

      @Override
      public void write(String value, ByteBuffer target) {
        target.put(value.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }

      @Override
      public String parse(ByteBuffer source) {
        return java.nio.charset.StandardCharsets.US_ASCII.decode(source).toString();
      }
    };
    ByteBuffer[] pieces = {ByteBuffer.wrap("ab".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
        direct("cde".getBytes(java.nio.charset.StandardCharsets.US_ASCII))};
    assertThat(hex.parse(pieces)).isEqualTo("abcde");
  }

  private static ByteBuffer direct(byte[] bytes) {
    ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
    b.put(bytes).flip();
    return b;
  }

  private static byte[] parseHex(String hex) {
    String[] parts = hex.trim().split("\\s+");
    byte[] out = new byte[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return out;
  }
}
