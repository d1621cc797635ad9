package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetadataTest {

  // --- keys -------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"a", "x-request-id", "key_1", "a.b.c", "0123456789", "-", "_", "."})
  void acceptsKeysOfTheSpecifiedCharacters(String key) {
    Metadata md = new Metadata().add(key, "v");
    assertThat(md.get(key)).isEqualTo("v");
    assertThat(md.keys()).containsExactly(key);
  }

  @Test
  void lowerCasesKeysOnAddAndOnLookup() {
    Metadata md = new Metadata().add("X-Request-ID", "42").addBinary("Trace-BIN", new byte[] {7});
    assertThat(md.keys()).containsExactly("x-request-id", "trace-bin");
    assertThat(md.get("x-request-id")).isEqualTo("42");
    assertThat(md.get("X-REQUEST-ID")).isEqualTo("42");
    assertThat(md.getBinary("TRACE-bin")).containsExactly(7);
    assertThat(md.containsKey("X-Request-Id")).isTrue();
    assertThat(md.entries().get(0).key()).isEqualTo("x-request-id");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", ":path", "key:", "k/v", "k=v", "kéy", "k\u0000", "k\t", "ключ", "k\u00ff"})
  void rejectsInvalidKeys(String key) {
    assertThatThrownBy(() -> new Metadata().add(key, "v")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Metadata().addWireValue(key, "v"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Keys are validated after lower-casing, so a non-ASCII character whose lower case is ASCII
   * slips through: U+212A KELVIN SIGN lower-cases to 'k'.
   */
  @Test
  void rejectsNonAsciiKeysThatLowerCaseToAscii() {
    assertThatThrownBy(() -> new Metadata().add("\u212Aey", "v"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsNullKeyAndValue() {
    assertThatThrownBy(() -> new Metadata().add(null, "v")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Metadata().add("k", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Metadata().addBinary("k-bin", null))
        .isInstanceOf(NullPointerException.class);
  }

  // --- ASCII values -----------------------------------------------------------------------------

  @Test
  void acceptsEveryPrintableAsciiCharacterInValues() {
    StringBuilder all = new StringBuilder();
    for (char c = 0x20; c <= 0x7e; c++) {
      all.append(c);
    }
    Metadata md = new Metadata().add("k", all.toString());
    assertThat(md.get("k")).isEqualTo(all.toString());
    assertThat(new Metadata().add("empty", "").get("empty")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tab\there", "new\nline", "cr\r", "nul\u0000", "del\u007f", "é", "☺", "😈", "\u0080"})
  void rejectsNonPrintableOrNonAsciiValues(String value) {
    assertThatThrownBy(() -> new Metadata().add("k", value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'k'");
    assertThatThrownBy(() -> new Metadata().addWireValue("k", value))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // --- binary keys ------------------------------------------------------------------------------

  @Test
  void binaryKeysNeedByteValuesAndViceVersa() {
    assertThatThrownBy(() -> new Metadata().add("trace-bin", "AQID"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trace-bin");
    assertThatThrownBy(() -> new Metadata().addBinary("trace", new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-bin");
    assertThatThrownBy(() -> new Metadata().addBinary("trace-bin-x", new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Metadata().add("TRACE-BIN", "AQID"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void isBinaryKey() {
    assertThat(Metadata.isBinaryKey("trace-bin")).isTrue();
    assertThat(Metadata.isBinaryKey("trace")).isFalse();
    assertThat(Metadata.isBinaryKey("bin")).isFalse();
    assertThat(Metadata.isBinaryKey("trace-bin-not")).isFalse();
  }

  @Test
  void binaryValuesCanHoldAnyBytes() {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    Metadata md = new Metadata().addBinary("all-bin", all).addBinary("empty-bin", new byte[0]);
    assertThat(md.getBinary("all-bin")).isEqualTo(all);
    assertThat(md.getBinary("empty-bin")).isEmpty();
  }

  // --- wire values ------------------------------------------------------------------------------

  @Test
  void addWireValueAcceptsPaddedAndUnpaddedBase64() {
    for (int len = 0; len <= 10; len++) {
      byte[] bytes = new byte[len];
      for (int i = 0; i < len; i++) {
        bytes[i] = (byte) (0xF0 + i);
      }
      String padded = Base64.getEncoder().encodeToString(bytes);
      String unpadded = Base64.getEncoder().withoutPadding().encodeToString(bytes);
      Metadata md = new Metadata().addWireValue("x-bin", padded).addWireValue("x-bin", unpadded);
      assertThat(md.getAllBinary("x-bin")).as("length %d", len).containsExactly(bytes, bytes);
    }
  }

  @Test
  void addWireValueSplitsCommaJoinedBinaryValues() {
    Metadata md = new Metadata().addWireValue("x-bin", "AQ==,AgM,BAUG");
    assertThat(md.getAllBinary("x-bin"))
        .containsExactly(new byte[] {1}, new byte[] {2, 3}, new byte[] {4, 5, 6});
    assertThat(md.size()).isEqualTo(3);
    assertThat(md.getBinary("x-bin")).containsExactly(4, 5, 6);
  }

  @Test
  void addWireValueToleratesBlanksAroundCommaJoinedBinaryValues() {
    Metadata md = new Metadata().addWireValue("x-bin", "AQ, AgM");
    assertThat(md.getAllBinary("x-bin")).containsExactly(new byte[] {1}, new byte[] {2, 3});
  }

  @Test
  void addWireValueDoesNotSplitAsciiValues() {
    Metadata md = new Metadata().addWireValue("accept-things", "a, b,c");
    assertThat(md.getAll("accept-things")).containsExactly("a, b,c");
  }

  @Test
  void addWireValueRejectsInvalidBase64() {
    assertThatThrownBy(() -> new Metadata().addWireValue("x-bin", "not base64!"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x-bin")
        .hasMessageContaining("base64");
    assertThatThrownBy(() -> new Metadata().addWireValue("x-bin", "A"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void addWireValueLowerCasesKeys() {
    Metadata md = new Metadata().addWireValue("X-Bin", "AQ").addWireValue("X-Id", "1");
    assertThat(md.keys()).containsExactly("x-bin", "x-id");
  }

  @Test
  void wireValueEmitsUnpaddedBase64ForBinaryAndTheValueForAscii() {
    Metadata md = new Metadata()
        .add("k", "v a l")
        .addBinary("one-bin", new byte[] {1})
        .addBinary("two-bin", new byte[] {1, 2})
        .addBinary("three-bin", new byte[] {1, 2, 3})
        .addBinary("none-bin", new byte[0])
        .addBinary("hi-bin", new byte[] {(byte) 0xfb, (byte) 0xff});
    List<Metadata.Entry> e = md.entries();
    assertThat(e.get(0).isBinary()).isFalse();
    assertThat(e.get(0).wireValue()).isEqualTo("v a l");
    assertThat(e.get(1).isBinary()).isTrue();
    assertThat(e.get(1).wireValue()).isEqualTo("AQ");
    assertThat(e.get(2).wireValue()).isEqualTo("AQI");
    assertThat(e.get(3).wireValue()).isEqualTo("AQID");
    assertThat(e.get(4).wireValue()).isEmpty();
    // Standard alphabet (RFC 4648 section 4), not the URL-safe one.
    assertThat(e.get(5).wireValue()).isEqualTo("+/8");
    for (Metadata.Entry entry : e) {
      assertThat(entry.wireValue()).doesNotContain("=");
    }
  }

  @Test
  void wireValuesRoundTrip() {
    Metadata md = new Metadata().add("a", "1").addBinary("b-bin", "héllo".getBytes(StandardCharsets.UTF_8));
    Metadata back = new Metadata();
    for (Metadata.Entry e : md.entries()) {
      back.addWireValue(e.key(), e.wireValue());
    }
    assertThat(back.get("a")).isEqualTo("1");
    assertThat(new String(back.getBinary("b-bin"), StandardCharsets.UTF_8)).isEqualTo("héllo");
  }

  // --- lookups ----------------------------------------------------------------------------------

  @Test
  void getReturnsTheLastValueAndGetAllEveryValueInOrder() {
    Metadata md = new Metadata().add("k", "1").add("other", "x").add("k", "2").add("k", "3");
    assertThat(md.get("k")).isEqualTo("3");
    assertThat(md.getAll("k")).containsExactly("1", "2", "3");
    assertThat(md.get("missing")).isNull();
    assertThat(md.getAll("missing")).isEmpty();
    assertThat(md.size()).isEqualTo(4);
  }

  @Test
  void asciiAndBinaryLookupsDoNotMix() {
    Metadata md = new Metadata().add("k", "1").addBinary("k-bin", new byte[] {1});
    assertThat(md.get("k-bin")).isNull();
    assertThat(md.getAll("k-bin")).isEmpty();
    assertThat(md.getBinary("k")).isNull();
    assertThat(md.getAllBinary("k")).isEmpty();
  }

  @Test
  void getBinaryReturnsTheLastAndGetAllBinaryEveryValue() {
    Metadata md = new Metadata().addBinary("b-bin", new byte[] {1}).addBinary("b-bin", new byte[] {2});
    assertThat(md.getBinary("b-bin")).containsExactly(2);
    assertThat(md.getAllBinary("b-bin")).containsExactly(new byte[] {1}, new byte[] {2});
    assertThat(md.getBinary("none-bin")).isNull();
    assertThat(md.getAllBinary("none-bin")).isEmpty();
  }

  @Test
  void removeDropsEveryValueOfAKey() {
    Metadata md = new Metadata().add("k", "1").add("j", "x").add("K", "2").addBinary("k-bin", new byte[] {1});
    assertThat(md.remove("K")).isTrue();
    assertThat(md.getAll("k")).isEmpty();
    assertThat(md.containsKey("k")).isFalse();
    assertThat(md.keys()).containsExactly("j", "k-bin");
    assertThat(md.remove("k")).isFalse();
    assertThat(md.remove("k-bin")).isTrue();
    assertThat(md.keys()).containsExactly("j");
    assertThat(md.remove("j")).isTrue();
    assertThat(md.isEmpty()).isTrue();
    assertThat(md.size()).isZero();
  }

  @Test
  void mergeAppendsTheOtherEntriesAfterOwnAndLeavesTheOtherAlone() {
    Metadata a = new Metadata().add("k", "1").add("a", "x");
    Metadata b = new Metadata().add("k", "2").addBinary("b-bin", new byte[] {9});
    assertThat(a.merge(b)).isSameAs(a);
    assertThat(a.getAll("k")).containsExactly("1", "2");
    assertThat(a.getBinary("b-bin")).containsExactly(9);
    assertThat(a.keys()).containsExactly("k", "a", "b-bin");
    assertThat(b.size()).isEqualTo(2);
    assertThat(b.keys()).containsExactly("k", "b-bin");
  }

  @Test
  void mergeWithItselfDoublesTheEntries() {
    Metadata a = new Metadata().add("k", "1");
    a.merge(a);
    assertThat(a.getAll("k")).containsExactly("1", "1");
  }

  @Test
  void keysAreDistinctInFirstSeenOrder() {
    Metadata md = new Metadata().add("b", "1").add("a", "1").add("b", "2").add("c", "1").add("a", "2");
    assertThat(md.keys()).containsExactly("b", "a", "c");
    assertThat(new Metadata().keys()).isEmpty();
  }

  @Test
  void entriesKeepInsertionOrderAndAreUnmodifiable() {
    Metadata md = new Metadata().add("b", "1").add("a", "2").add("b", "3");
    assertThat(md.entries()).extracting(Metadata.Entry::key).containsExactly("b", "a", "b");
    assertThat(md.entries()).extracting(Metadata.Entry::value).containsExactly("1", "2", "3");
    assertThatThrownBy(() -> md.entries().add(new Metadata.Entry("x", "y")))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> md.entries().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void copyConstructorIsIndependent() {
    Metadata original = new Metadata().add("k", "1");
    Metadata copy = new Metadata(original);
    copy.add("k", "2");
    original.remove("k");
    assertThat(copy.getAll("k")).containsExactly("1", "2");
    assertThat(original.isEmpty()).isTrue();
  }

  // --- defensive copies -------------------------------------------------------------------------

  @Test
  void addBinaryCopiesTheCallersArray() {
    byte[] value = {1, 2, 3};
    Metadata md = new Metadata().addBinary("b-bin", value);
    value[0] = 99;
    assertThat(md.getBinary("b-bin")).containsExactly(1, 2, 3);
  }

  @Test
  void getBinaryAndGetAllBinaryReturnCopies() {
    Metadata md = new Metadata().addBinary("b-bin", new byte[] {1, 2, 3});
    md.getBinary("b-bin")[0] = 99;
    md.getAllBinary("b-bin").get(0)[1] = 99;
    assertThat(md.getBinary("b-bin")).containsExactly(1, 2, 3);
  }

  @Test
  void entriesDoNotExposeTheStoredBinaryArrays() {
    Metadata md = new Metadata().addBinary("b-bin", new byte[] {1, 2, 3});
    Metadata copy = new Metadata(md);
    byte[] exposed = (byte[]) md.entries().get(0).value();
    exposed[0] = 99;
    assertThat(md.getBinary("b-bin")).containsExactly(1, 2, 3);
    assertThat(copy.getBinary("b-bin")).containsExactly(1, 2, 3);
  }

  @Test
  void toStringShowsWireValues() {
    Metadata md = new Metadata().add("a", "1").addBinary("b-bin", new byte[] {1});
    assertThat(md.toString()).isEqualTo("Metadata(a=1,b-bin=AQ)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"content-type", "te", "user-agent", "grpc-timeout", "grpc-encoding",
      "grpc-accept-encoding", "grpc-status", "grpc-message", "content-length", "host",
      "connection", "transfer-encoding", "Content-Type", "GRPC-TIMEOUT"})
  void headersTheTransportOwnsAreRefusedWithWhatToUseInstead(String key) {
    String lower = key.toLowerCase(java.util.Locale.ROOT);
    assertThatThrownBy(() -> new Metadata().add(key, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("metadata key '" + lower + "' is reserved for the gRPC transport: ");
    assertThatThrownBy(() -> new Metadata().addWireValue(key, "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
  }

  @Test
  void theRefusalSaysWhereTheReservedValueComesFrom() {
    assertThatThrownBy(() -> new Metadata().add("grpc-timeout", "1S"))
        .hasMessageContaining("CallOptions.withTimeout");
    assertThatThrownBy(() -> new Metadata().add("user-agent", "me/1"))
        .hasMessageContaining("Channel.Builder.userAgent");
    assertThatThrownBy(() -> new Metadata().add("grpc-status", "13"))
        .hasMessageContaining("Status");
    assertThatThrownBy(() -> new Metadata().add("grpc-encoding", "gzip"))
        .hasMessageContaining("withCompression");
  }
}
