package io.conduit.internal.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Decodes a gRPC-Web text body as it arrives: base64 in pieces of any size, where a client may
 * have encoded each of its writes on its own, so padding ({@code =}) may end any group of four
 * and a group may be split across pieces. Event loop only.
 */
final class Base64StreamDecoder {
  private static final byte[] VALUES = new byte[256];

  static {
    java.util.Arrays.fill(VALUES, (byte) -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < alphabet.length(); i++) {
      VALUES[alphabet.charAt(i)] = (byte) i;
    }
    // Some clients use the URL-safe alphabet.
    VALUES['-'] = 62;
    VALUES['_'] = 63;
  }

  /** The group of four being collected. */
  private final int[] group = new int[4];
  private int filled;
  private int padding;

  /**
   * The bytes {@code text} completes (the caller releases {@code text}).
   *
   * @throws IllegalArgumentException for a character that is no base64
   */
  ByteBuf decode(ByteBufAllocator alloc, ByteBuf text) {
    ByteBuf out = alloc.buffer(text.readableBytes() / 4 * 3 + 3);
    try {
      for (int i = text.readerIndex(), end = text.writerIndex(); i < end; i++) {
        int c = text.getByte(i) & 0xFF;
        if (c == '\r' || c == '\n') {
          continue;
        }
        if (c == '=') {
          if (filled < 2) {
            throw new IllegalArgumentException("misplaced base64 padding");
          }
          padding++;
          group[filled++] = 0;
        } else {
          int v = VALUES[c];
          if (v < 0 || padding > 0) {
            throw new IllegalArgumentException(v < 0
                ? "invalid base64 character 0x" + Integer.toHexString(c) : "base64 data after padding");
          }
          group[filled++] = v;
        }
        if (filled == 4) {
          int bits = group[0] << 18 | group[1] << 12 | group[2] << 6 | group[3];
          out.writeByte(bits >> 16);
          if (padding < 2) {
            out.writeByte(bits >> 8);
          }
          if (padding < 1) {
            out.writeByte(bits);
          }
          filled = 0;
          padding = 0;
        }
      }
      return out;
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
  }

  /** Whether the text so far ended on a group boundary (a complete body must). */
  boolean atBoundary() {
    return filled == 0;
  }
}
