package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GrpcTimeoutTest {

  private static final long MAX_DIGITS = 99_999_999L;
  /** Nanoseconds per unit, finest first, with the letters of PROTOCOL-HTTP2.md. */
  private static final long[] UNIT_NANOS = {
    1L,
    TimeUnit.MICROSECONDS.toNanos(1),
    TimeUnit.MILLISECONDS.toNanos(1),
    TimeUnit.SECONDS.toNanos(1),
    TimeUnit.MINUTES.toNanos(1),
    TimeUnit.HOURS.toNanos(1),
  };
  private static final String UNIT_LETTERS = "numSMH";

  // --- encode -----------------------------------------------------------------------------------

  @ParameterizedTest
  @CsvSource({
    "0, 0n",
    "1, 1n",
    "99999999, 99999999n",
    "100000000, 100000u",
    "100000001, 100000u",
    "1000000000, 1000000u",
    "99999999999, 99999999u",
    "100000000000, 100000m",
    "99999999999999, 99999999m",
    "100000000000000, 100000S",
    "99999999999999999, 99999999S",
    "100000000000000000, 1666666M",
    "5999999999999999999, 99999999M",
    "6000000000000000000, 1666666H",
    "9223372036854775807, 2562047H",
  })
  void encodePicksTheFinestUnitThatFitsEightDigits(long nanos, String expected) {
    assertThat(GrpcTimeout.encode(nanos)).isEqualTo(expected);
  }

  @Test
  void encodeClampsNegativeTimeoutsToZero() {
    assertThat(GrpcTimeout.encode(-1)).isEqualTo("0n");
    assertThat(GrpcTimeout.encode(Long.MIN_VALUE)).isEqualTo("0n");
  }

  @Test
  void encodeAlwaysPicksTheFinestFittingUnitAcrossMagnitudes() {
    for (long nanos : magnitudes()) {
      String encoded = GrpcTimeout.encode(nanos);
      int unit = UNIT_LETTERS.indexOf(encoded.charAt(encoded.length() - 1));
      long amount = Long.parseLong(encoded.substring(0, encoded.length() - 1));
      assertThat(encoded).as("encode(%d)", nanos).matches("[0-9]{1,8}[numSMH]");
      assertThat(unit).isNotNegative();
      assertThat(amount).as("encode(%d)", nanos).isEqualTo(nanos / UNIT_NANOS[unit]);
      if (unit > 0) {
        // The next finer unit would need more than 8 digits.
        assertThat(nanos / UNIT_NANOS[unit - 1]).as("encode(%d)", nanos).isGreaterThan(MAX_DIGITS);
      }
    }
  }

  // --- parse ------------------------------------------------------------------------------------

  @ParameterizedTest
  @CsvSource({
    "1n, 1",
    "1u, 1000",
    "1m, 1000000",
    "1S, 1000000000",
    "1M, 60000000000",
    "1H, 3600000000000",
    "0n, 0",
    "0H, 0",
    "00000001S, 1000000000",
    "99999999n, 99999999",
    "99999999u, 99999999000",
    "99999999m, 99999999000000",
    "99999999S, 99999999000000000",
    "250m, 250000000",
    "30S, 30000000000",
  })
  void parseAcceptsEveryUnit(String value, long nanos) {
    assertThat(GrpcTimeout.parse(value)).isEqualTo(nanos);
  }

  @Test
  void parseSaturatesValuesBeyondTheRangeOfLong() {
    // 99999999 hours exceed Long.MAX_VALUE nanoseconds (about 292 years); 99999999 minutes do not.
    assertThat(GrpcTimeout.parse("99999999H")).isEqualTo(Long.MAX_VALUE);
    assertThat(GrpcTimeout.parse("2562048H")).isEqualTo(Long.MAX_VALUE);
    assertThat(GrpcTimeout.parse("2562047H")).isEqualTo(TimeUnit.HOURS.toNanos(2562047));
    assertThat(GrpcTimeout.parse("99999999M")).isEqualTo(TimeUnit.MINUTES.toNanos(99_999_999));
  }

  @Test
  void parseAcceptsACharSequence() {
    assertThat(GrpcTimeout.parse(new StringBuilder("5S"))).isEqualTo(5_000_000_000L);
    assertThat(GrpcTimeout.parse(AsciiString.of("7m"))).isEqualTo(7_000_000L);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "",              // empty
    "S",             // no digits
    "123456789S",    // nine digits
    "000000000n",    // nine digits, even if zeros
    "1",             // no unit
    "12345678",      // no unit, digits only
    "10s",           // unknown unit (seconds is upper-case S)
    "10h",           // unknown unit
    "10x",           // unknown unit
    "10 S",          // blank inside
    " 10S",          // leading blank
    "10S ",          // trailing blank
    "-1S",           // sign
    "+1S",           // sign
    "1.5S",          // not an integer
    "1e3m",          // not decimal digits
    "0x10n",         // not decimal digits
    "١٠S",           // non-ASCII digits
    "10SS",          // two units
    "10mS",          // two units
  })
  void parseRejectsMalformedValues(String value) {
    assertThatThrownBy(() -> GrpcTimeout.parse(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grpc-timeout");
  }

  // --- round trip -------------------------------------------------------------------------------

  @Test
  void roundTripLosesLessThanOneUnitOfTheChosenPrecision() {
    for (long nanos : magnitudes()) {
      assertRoundTrip(nanos);
    }
    Random random = new Random(20240611L);
    for (int i = 0; i < 100_000; i++) {
      // Non-negative and spread over the number of bits, so every unit is exercised.
      long nanos = (random.nextLong() >>> 1) >>> random.nextInt(63);
      assertRoundTrip(nanos);
    }
  }

  @Test
  void roundTripIsExactForValuesThatFitTheirUnit() {
    for (int u = 0; u < UNIT_NANOS.length; u++) {
      for (long amount : new long[] {0, 1, 7, 1000, 99_999_999}) {
        if (amount > Long.MAX_VALUE / UNIT_NANOS[u]) {
          continue;
        }
        long nanos = amount * UNIT_NANOS[u];
        assertThat(GrpcTimeout.parse(GrpcTimeout.encode(nanos))).as("%d%s", amount, UNIT_LETTERS.charAt(u))
            .isEqualTo(nanos);
      }
    }
  }

  private static void assertRoundTrip(long nanos) {
    String encoded = GrpcTimeout.encode(nanos);
    long unitNanos = UNIT_NANOS[UNIT_LETTERS.indexOf(encoded.charAt(encoded.length() - 1))];
    long back = GrpcTimeout.parse(encoded);
    assertThat(back).as("parse(encode(%d)) = parse(%s)", nanos, encoded)
        .isLessThanOrEqualTo(nanos)
        .isGreaterThan(nanos - unitNanos);
  }

  /** 1, 2, 5, 9, 10, 99, 100... and each power of ten plus and minus one, up to Long.MAX_VALUE. */
  private static long[] magnitudes() {
    List<Long> out = new ArrayList<>();
    for (long p = 1; ; p *= 10) {
      for (long m : new long[] {1, 2, 5, 9}) {
        if (p <= Long.MAX_VALUE / m) {
          out.add(p * m);
        }
      }
      out.add(p - 1);
      out.add(p + 1);
      if (p > Long.MAX_VALUE / 10) {
        break;
      }
    }
    out.add(Long.MAX_VALUE);
    out.add(Long.MAX_VALUE - 1);
    for (long unit : UNIT_NANOS) {
      if (MAX_DIGITS <= Long.MAX_VALUE / unit) {
        out.add(MAX_DIGITS * unit);
        out.add(MAX_DIGITS * unit + 1);
        out.add((MAX_DIGITS + 1) * unit - 1);
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }
}
