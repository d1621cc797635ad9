package io.conduit.internal.web;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder with limits, refusing a request that has both {@code Content-Length}
 * and {@code Transfer-Encoding}: RFC 9112 lets a server go by the latter, but the pair is the
 * mark of request smuggling, and a server behind a proxy that read it the other way would be
 * fooled.
 */
final class Http1RequestDecoder extends HttpRequestDecoder {
  Http1RequestDecoder(int maxInitialLineLength, int maxHeaderSize) {
    super(new HttpDecoderConfig()
        .setMaxInitialLineLength(maxInitialLineLength)
        .setMaxHeaderSize(maxHeaderSize)
        .setMaxChunkSize(16 * 1024)
        .setStrictLineParsing(true));
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw new IllegalArgumentException("a request with both Content-Length and Transfer-Encoding");
  }
}
