package io.conduit.internal.web;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Length-prefixed frames as gRPC-Web and Connect put them in bodies, built and read by tests. */
final class WebFrames {
  /** One frame: its flag byte and payload. */
  record Frame(int flags, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** A gRPC-Web trailer frame's headers. */
    Map<String, String> trailers() {
      Map<String, String> t = new LinkedHashMap<>();
      for (String line : text().split("\r\n")) {
        if (!line.isEmpty()) {
          int colon = line.indexOf(':');
          t.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
      }
      return t;
    }
  }

  private WebFrames() {}

  static byte[] frame(int flags, byte[] payload) {
    return ByteBuffer.allocate(5 + payload.length).put((byte) flags).putInt(payload.length)
        .put(payload).array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Base64 pieces padded each on its own, as gRPC-Web text bodies are: group by group. */
  static byte[] decodeBase64Pieces(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i + 4 <= text.length(); i += 4) {
      out.writeBytes(java.util.Base64.getDecoder().decode(text.substring(i, i + 4)));
    }
    return out.toByteArray();
  }

  static List<Frame> parse(byte[] body) {
    List<Frame> frames = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(body);
    while (b.hasRemaining()) {
      int flags = b.get() & 0xFF;
      byte[] payload = new byte[b.getInt()];
      b.get(payload);
      frames.add(new Frame(flags, payload));
    }
    return frames;
  }
}
