package io.conduit.internal.web;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * One HTTP request's response, whatever the HTTP version: the web protocols write a head, a body
 * in pieces, and an end. Event loop only.
 */
interface WebExchange {
  Channel channel();

  /**
   * The status line and headers; {@code contentLength} -1 for a body sent in pieces as it comes
   * (chunked in HTTP/1.1).
   */
  void head(HttpResponseStatus status, Http2Headers headers, long contentLength);

  /** A piece of the body (taken over); {@code flush}: send it now, not with what follows. */
  void body(ByteBuf data, boolean flush, Runnable written);

  /** The response is complete. */
  void end();

  /** The response cannot be completed: the client must not take it for a whole one. */
  void fail();

  /** Whether the head went out. */
  boolean headSent();
}
