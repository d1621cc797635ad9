package io.conduit.internal;

import java.util.concurrent.TimeUnit;

/** Encodes and parses the {@code grpc-timeout} header: at most 8 digits and a unit letter. */
public final class GrpcTimeout {
  private static final long MAX_VALUE = 99_999_999L;

  private GrpcTimeout() {}

  /** The header value for a timeout, in the finest unit that fits in 8 digits. */
  public static String encode(long nanos) {
    if (nanos < 0) {
      nanos = 0;
    }
    if (nanos <= MAX_VALUE) {
      return nanos + "n";
    }
    long v = TimeUnit.NANOSECONDS.toMicros(nanos);
    if (v <= MAX_VALUE) {
      return v + "u";
    }
    v = TimeUnit.NANOSECONDS.toMillis(nanos);
    if (v <= MAX_VALUE) {
      return v + "m";
    }
    v = TimeUnit.NANOSECONDS.toSeconds(nanos);
    if (v <= MAX_VALUE) {
      return v + "S";
    }
    v = TimeUnit.NANOSECONDS.toMinutes(nanos);
    if (v <= MAX_VALUE) {
      return v + "M";
    }
    return Math.min(TimeUnit.NANOSECONDS.toHours(nanos), MAX_VALUE) + "H";
  }

  /**
   * The timeout in nanoseconds (saturating at {@code Long.MAX_VALUE}).
   *
   * @throws IllegalArgumentException for a value the spec does not allow
   */
  public static long parse(CharSequence value) {
    int len = value.length();
    if (len < 2 || len > 9) {
      throw new IllegalArgumentException("malformed grpc-timeout '" + value + "': 1 to 8 digits and a unit");
    }
    long amount = 0;
    for (int i = 0; i < len - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException("malformed grpc-timeout '" + value + "': not a number");
      }
      amount = amount * 10 + (c - '0');
    }
    TimeUnit unit = switch (value.charAt(len - 1)) {
      case 'n' -> TimeUnit.NANOSECONDS;
      case 'u' -> TimeUnit.MICROSECONDS;
      case 'm' -> TimeUnit.MILLISECONDS;
      case 'S' -> TimeUnit.SECONDS;
      case 'M' -> TimeUnit.MINUTES;
      case 'H' -> TimeUnit.HOURS;
      default -> throw new IllegalArgumentException(
          "malformed grpc-timeout '" + value + "': unknown unit '" + value.charAt(len - 1) + "'");
    };
    return unit.toNanos(amount);
  }
}
