package io.conduit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A message encoding (doc/compression.md): {@code gzip} and {@code deflate} are built in; add
 * others (zstd, snappy...) by implementing this and listing the class in
 * {@code META-INF/services/io.conduit.Compressor}.
 *
 * <p>Use one per call with {@link CallOptions#withCompression(String)} on the client, or
 * {@code ServerCall.setCompression} on the server; peers negotiate with {@code grpc-encoding} and
 * {@code grpc-accept-encoding}.
 */
public interface Compressor {
  /** {@return the name in {@code grpc-encoding}, e.g. {@code gzip}} */
  String name();

  /**
   * Wraps {@code out} so that what is written to it reaches {@code out} compressed.
   *
   * @param out the stream the compressed bytes go to
   * @return a stream that compresses what is written to it; closing it finishes the compressed data
   * @throws IOException if the compressed stream cannot be started
   */
  OutputStream compress(OutputStream out) throws IOException;

  /**
   * Wraps {@code in} so that reading from it yields the decompressed bytes.
   *
   * @param in the compressed bytes
   * @return a stream of the decompressed bytes
   * @throws IOException if the compressed data cannot be read
   */
  InputStream decompress(InputStream in) throws IOException;
}
