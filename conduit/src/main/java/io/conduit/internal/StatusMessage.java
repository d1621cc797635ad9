package io.conduit.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Percent-encoding of {@code grpc-message} (PROTOCOL-HTTP2.md): UTF-8, then %XX outside 0x20-0x7E. */
public final class StatusMessage {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private StatusMessage() {}

  public static String encode(String message) {
    int i = 0;
    while (i < message.length()) {
      char c = message.charAt(i);
      if (c < ' ' || c > '~' || c == '%') {
        break;
      }
      i++;
    }
    if (i == message.length()) {
      return message;
    }
    byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(utf8.length + 16);
    for (byte b : utf8) {
      int u = b & 0xff;
      if (u < ' ' || u > '~' || u == '%') {
        sb.append('%').append(HEX[u >> 4]).append(HEX[u & 0xf]);
      } else {
        sb.append((char) u);
      }
    }
    return sb.toString();
  }

  /** Decodes leniently: a malformed %-sequence is kept as it is, as the spec asks. */
  public static String decode(CharSequence value) {
    int len = value.length();
    boolean plain = true;
    for (int i = 0; i < len; i++) {
      if (value.charAt(i) == '%') {
        plain = false;
        break;
      }
    }
    if (plain) {
      return value.toString();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(len);
    for (int i = 0; i < len; i++) {
      char c = value.charAt(i);
      if (c == '%' && i + 2 < len) {
        int hi = hexDigit(value.charAt(i + 1));
        int lo = hexDigit(value.charAt(i + 2));
        if (hi >= 0 && lo >= 0) {
          out.write((hi << 4) | lo);
          i += 2;
          continue;
        }
      }
      // Non-ASCII characters should not appear; keep them as UTF-8 rather than lose them.
      int cp = Character.codePointAt(value, i);
      byte[] raw = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
      out.write(raw, 0, raw.length);
      i += Character.charCount(cp) - 1;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * The value of an ASCII hex digit, or -1. Not {@link Character#digit}: it also takes other
   * scripts' digits (Arabic-Indic, fullwidth), which turned "%0٥" into a control byte.
   */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
