package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StatusMessageTest {

  /** The interop test case special_status_message (doc/interop-test-descriptions.md). */
  private static final String SPECIAL =
      "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n";

  @Test
  void specialStatusMessageEncodesAsTheSpecSays() {
    assertThat(SPECIAL).contains("☺").contains("😈");
    assertThat(StatusMessage.encode(SPECIAL)).isEqualTo(
        "%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A");
  }

  @Test
  void onlyAsciiHexDigitsEscape() {
    // Found by StatusMessageFuzzTest: Character.digit read the Arabic-Indic five as 5.
    assertThat(StatusMessage.decode("%0\u0665: ")).isEqualTo("%0\u0665: ");
    assertThat(StatusMessage.decode("%\uFF10\uFF21")).isEqualTo("%\uFF10\uFF21");
    assertThat(StatusMessage.decode("%0a%0A")).isEqualTo("\n\n");
  }

  @Test
  void specialStatusMessageRoundTrips() {
    assertThat(StatusMessage.decode(StatusMessage.encode(SPECIAL))).isEqualTo(SPECIAL);
    assertThat(StatusMessage.decode(AsciiString.of(StatusMessage.encode(SPECIAL)))).isEqualTo(SPECIAL);
  }

  @Test
  void printableAsciiExceptPercentPassesThrough() {
    StringBuilder all = new StringBuilder();
    for (char c = 0x20; c <= 0x7e; c++) {
      if (c != '%') {
        all.append(c);
      }
    }
    assertThat(StatusMessage.encode(all.toString())).isEqualTo(all.toString());
    assertThat(StatusMessage.encode("")).isEmpty();
  }

  @Test
  void everyOtherAsciiCharacterIsPercentEncodedInUpperCase() {
    for (char c = 0; c < 0x80; c++) {
      String encoded = StatusMessage.encode("a" + c + "b");
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        assertThat(encoded).isEqualTo("a" + c + "b");
      } else {
        assertThat(encoded).as("char 0x%02X", (int) c)
            .isEqualTo("a%" + String.format("%02X", (int) c) + "b");
      }
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "%|%25",
    "100%|100%25",
    "%25|%2525",
    "é|%C3%A9",
    "ÿ|%C3%BF",
    "\u0080|%C2%80",
    "€ 5|%E2%82%AC 5",
    "日本|%E6%97%A5%E6%9C%AC",
    "😈|%F0%9F%98%88",
    "\u007f|%7F",
  })
  void nonAsciiIsEncodedAsUpperCasePercentEncodedUtf8(String message, String wire) {
    assertThat(StatusMessage.encode(message)).isEqualTo(wire);
    assertThat(StatusMessage.decode(wire)).isEqualTo(message);
  }

  @Test
  void encodedOutputIsAlwaysAValidHeaderValue() {
    Random random = new Random(42);
    for (int i = 0; i < 2_000; i++) {
      String s = randomString(random);
      String encoded = StatusMessage.encode(s);
      assertThat(encoded.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)).as(encoded).isTrue();
      // Every % starts a %XX sequence with upper-case hex digits.
      assertThat(encoded.replaceAll("%[0-9A-F]{2}", "")).doesNotContain("%");
    }
  }

  @Test
  void randomUnicodeStringsRoundTrip() {
    Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      String s = randomString(random);
      assertThat(StatusMessage.decode(StatusMessage.encode(s))).isEqualTo(s);
    }
  }

  @Test
  void decodeAcceptsLowerCaseHex() {
    assertThat(StatusMessage.decode("%e2%98%ba %0a")).isEqualTo("☺ \n");
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "%", "%%", "%4", "%G0", "%0G", "%zz", "100%", "50% off", "% 41", "%-1", "%+1", "%%%",
  })
  void decodeKeepsInvalidPercentSequencesLiterally(String value) {
    assertThat(StatusMessage.decode(value)).isEqualTo(value);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "%%41|%A",
    "%41%|A%",
    "a%4|a%4",
    "%4%41|%4A",
    "%41%4|A%4",
    "%zz%41|%zzA",
    "%2|%2",
  })
  void decodeDecodesTheValidPartsAroundInvalidOnes(String value, String expected) {
    assertThat(StatusMessage.decode(value)).isEqualTo(expected);
  }

  @Test
  void decodeNeverThrowsOnInvalidUtf8() {
    // A lone continuation byte, a truncated sequence, an overlong encoding: not valid UTF-8.
    for (String value : new String[] {"%80", "%FF", "%E2%98", "%C0%AF", "ok %F0%9F"}) {
      String decoded = StatusMessage.decode(value);
      assertThat(decoded).as(value).isNotNull().isNotEmpty();
    }
    assertThat(StatusMessage.decode("ok %F0%9F")).startsWith("ok ");
  }

  @Test
  void decodeLeavesPlainValuesAlone() {
    assertThat(StatusMessage.decode("")).isEmpty();
    assertThat(StatusMessage.decode("plain message")).isEqualTo("plain message");
    assertThat(StatusMessage.decode(AsciiString.of("plain message"))).isEqualTo("plain message");
  }

  /**
   * Characters outside ASCII should not appear in a grpc-message, but decode promises to keep
   * them rather than lose them. A non-BMP character is two UTF-16 chars; encoding each surrogate
   * on its own yields '?' instead of the character.
   */
  @Test
  void decodeKeepsRawNonAsciiCharactersNextToPercentSequences() {
    assertThat(StatusMessage.decode("é %41")).isEqualTo("é A");
    assertThat(StatusMessage.decode("\uD83D\uDE08 100%25")).isEqualTo("\uD83D\uDE08 100%");
  }

  @Test
  void encodeUsesUtf8() {
    String s = "naïve ☺";
    String encoded = StatusMessage.encode(s);
    StringBuilder expected = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int u = b & 0xff;
      expected.append(u >= 0x20 && u <= 0x7e && u != '%' ? String.valueOf((char) u) : String.format("%%%02X", u));
    }
    assertThat(encoded).isEqualTo(expected.toString());
  }

  private static String randomString(Random random) {
    int len = random.nextInt(40);
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < len; j++) {
      switch (random.nextInt(5)) {
        case 0 -> sb.append((char) random.nextInt(0x80));
        case 1 -> sb.append((char) (0x20 + random.nextInt(0x5f)));
        case 2 -> sb.append('%');
        case 3 -> {
          int cp = random.nextInt(0xD7FF - 0x80) + 0x80;
          sb.appendCodePoint(cp);
        }
        default -> sb.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000));
      }
    }
    return sb.toString();
  }
}
