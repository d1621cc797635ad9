package io.conduit.internal.netty;

import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2HeadersEncoder;

/** The HTTP/2 frame writer of every Conduit connection, client and server. */
final class FrameWriters {
  /**
   * Buckets of the HPACK encoder's index into its dynamic table. Netty's default (64) sizes it
   * for browsers' many distinct headers; a gRPC connection repeats a handful (status,
   * content-type, grpc-status, a few metadata keys), and two 64-slot arrays per connection are
   * some 380 bytes of every idle connection's heap. grpc-java uses 16 as well.
   */
  private static final int HPACK_INDEX_BUCKETS = 16;

  private FrameWriters() {}

  static DefaultHttp2FrameWriter create() {
    return new DefaultHttp2FrameWriter(new DefaultHttp2HeadersEncoder(
        Http2HeadersEncoder.NEVER_SENSITIVE, false, HPACK_INDEX_BUCKETS));
  }
}
