package io.conduit.internal;

import io.conduit.Compressor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;

/** The known message encodings: gzip, deflate, and those found by ServiceLoader. */
public final class Compressors {
  private static final Map<String, Compressor> KNOWN = load();
  private static final String ACCEPT = String.join(",", KNOWN.keySet());

  private Compressors() {}

  private static Map<String, Compressor> load() {
    Map<String, Compressor> m = new LinkedHashMap<>();
    m.put("gzip", new Gzip());
    m.put("deflate", new Deflate());
    for (Compressor c : ServiceLoader.load(Compressor.class)) {
      m.put(c.name(), c);
    }
    return Map.copyOf(m);
  }

  /** The compressor named {@code name}, or {@code null} ("identity" is no compressor). */
  public static Compressor get(String name) {
    return KNOWN.get(name);
  }

  /** Whether {@code name} is identity or a known compressor. */
  public static boolean isKnown(String name) {
    return "identity".equals(name) || KNOWN.containsKey(name);
  }

  /** The {@code grpc-accept-encoding} value: every known encoding. */
  public static String acceptEncoding() {
    return ACCEPT;
  }

  /** Whether {@code name} appears in a {@code grpc-accept-encoding} value. */
  public static boolean accepts(CharSequence acceptEncoding, String name) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String part : acceptEncoding.toString().split(",")) {
      if (part.trim().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static final class Gzip implements Compressor {
    @Override
    public String name() {
      return "gzip";
    }

    @Override
    public OutputStream compress(OutputStream out) throws IOException {
      return new GZIPOutputStream(out, 8192);
    }

    @Override
    public InputStream decompress(InputStream in) throws IOException {
      return new GZIPInputStream(in, 8192);
    }
  }

  /** gRPC's {@code deflate} is the zlib format (RFC 1950), as the JDK's Deflater writes it. */
  private static final class Deflate implements Compressor {
    @Override
    public String name() {
      return "deflate";
    }

    @Override
    public OutputStream compress(OutputStream out) {
      return new DeflaterOutputStream(out);
    }

    @Override
    public InputStream decompress(InputStream in) {
      return new InflaterInputStream(in);
    }
  }
}
