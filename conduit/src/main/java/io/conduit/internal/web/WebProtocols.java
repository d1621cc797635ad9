package io.conduit.internal.web;

import io.conduit.Clock;
import io.conduit.MethodDescriptor;
import io.conduit.WebOptions;
import io.conduit.internal.netty.WebServer;
import io.conduit.internal.netty.ServerConnection;
import io.conduit.internal.transport.ServerTransportListener;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.function.Function;

/**
 * gRPC-Web and Connect on a server's port ({@link WebOptions}): the HTTP/1.1 connections the
 * transport's protocol detection hands over. Each web request becomes a {@link WebCall}, a
 * server stream handed to the same {@link ServerTransportListener} native streams go to.
 */
public final class WebProtocols implements WebServer {
  private static final AttributeKey<Http1Connection> CONNECTION =
      AttributeKey.valueOf("conduit.http1Connection");
  /** An HTTP/1.1 request line longer than this is refused (414). */
  static final int MAX_REQUEST_LINE = 8 * 1024;

  private final Function<CharSequence, MethodDescriptor<?, ?>> methods;
  private final CorsHeaders cors;
  private final StaticFiles staticFiles;
  private final int maxMessageSize;
  private final int maxHeaderSize;
  private final long idleTimeoutNanos;
  private final Clock clock;

  /**
   * @param methods the method at a path, or null: protocols refuse some methods (gRPC-Web
   *     client streaming, Connect GET of methods with side effects) before a call exists
   * @param handshakeTimeout also how long an HTTP/1.1 connection may sit between requests
   */
  public WebProtocols(WebOptions options, Function<CharSequence, MethodDescriptor<?, ?>> methods,
      int maxMessageSize, int maxHeaderSize, Duration handshakeTimeout, Clock clock) {
    this.methods = methods;
    this.cors = new CorsHeaders(options.cors());
    this.staticFiles = options.staticFiles() == null ? null : new StaticFiles(options.staticFiles());
    this.maxMessageSize = maxMessageSize;
    this.maxHeaderSize = maxHeaderSize;
    this.idleTimeoutNanos = handshakeTimeout == null ? Long.MAX_VALUE : handshakeTimeout.toNanos();
    this.clock = clock;
  }

  @Override
  public ServerConnection install(Channel ch, ServerTransportListener streams) {
    Http1Connection connection = new Http1Connection(new WebRouter(this, streams), clock,
        idleTimeoutNanos);
    ch.attr(CONNECTION).set(connection);
    ch.pipeline().addLast(new Http1RequestDecoder(MAX_REQUEST_LINE, maxHeaderSize),
        new HttpResponseEncoder(), connection);
    return connection;
  }

  @Override
  public RequestBody serveHttp2(Http2RequestStream stream, Http2Headers headers,
      ServerTransportListener streams) {
    Http2Headers cors = cors().forResponse(headers.get("origin"));
    return new WebRouter(this, streams).route(new Http2Exchange(stream, cors), headers, cors);
  }

  @Override
  public boolean requestStarted(Channel ch) {
    Http1Connection c = ch.attr(CONNECTION).get();
    return c != null && c.started();
  }

  MethodDescriptor<?, ?> method(CharSequence path) {
    return methods.apply(path);
  }

  CorsHeaders cors() {
    return cors;
  }

  StaticFiles staticFiles() {
    return staticFiles;
  }

  int maxMessageSize() {
    return maxMessageSize;
  }
}
