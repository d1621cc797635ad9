package io.conduit.internal.web;

import io.conduit.CorsPolicy;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/** A {@link CorsPolicy} as response headers: for preflights, and on every allowed response. */
final class CorsHeaders {
  /** What gRPC-Web and Connect clients send besides the application's metadata. */
  private static final List<String> PROTOCOL_REQUEST_HEADERS = List.of("content-type",
      "x-grpc-web", "x-user-agent", "grpc-timeout", "connect-protocol-version",
      "connect-timeout-ms", "connect-accept-encoding", "connect-content-encoding");
  /** What their clients read besides the application's metadata. */
  private static final List<String> PROTOCOL_RESPONSE_HEADERS = List.of("grpc-status",
      "grpc-message", "grpc-status-details-bin", "connect-content-encoding",
      "connect-accept-encoding");

  private final CorsPolicy policy;
  private final AsciiString allowHeaders;
  private final AsciiString exposeHeaders;
  private final AsciiString maxAge;

  CorsHeaders(CorsPolicy policy) {
    this.policy = policy;
    List<String> allow = new ArrayList<>(PROTOCOL_REQUEST_HEADERS);
    allow.addAll(policy.allowedHeaders());
    List<String> expose = new ArrayList<>(PROTOCOL_RESPONSE_HEADERS);
    for (String h : policy.exposedHeaders()) {
      // Connect's unary responses carry trailers as trailer- headers.
      expose.add(h);
      expose.add("trailer-" + h);
    }
    this.allowHeaders = AsciiString.of(String.join(", ", allow));
    this.exposeHeaders = AsciiString.of(String.join(", ", expose));
    this.maxAge = AsciiString.of(Long.toString(policy.maxAge().toSeconds()));
  }

  /** The headers for a response to a page at {@code origin}, or null when it is not allowed. */
  Http2Headers forResponse(CharSequence origin) {
    if (origin == null || !policy.allowsOrigin(origin.toString())) {
      return null;
    }
    Http2Headers h = new DefaultHttp2Headers(false);
    if (policy.allowsAnyOrigin() && !policy.allowsCredentials()) {
      h.set("access-control-allow-origin", "*");
    } else {
      h.set("access-control-allow-origin", origin);
      h.set("vary", "Origin");
    }
    if (policy.allowsCredentials()) {
      h.set("access-control-allow-credentials", "true");
    }
    h.set("access-control-expose-headers", exposeHeaders);
    return h;
  }

  /** Answers a preflight {@code OPTIONS} request; {@code cors} is what {@link #forResponse} gave. */
  void preflight(WebExchange exchange, Http2Headers cors) {
    if (cors == null) {
      WebRouter.plainError(exchange, HttpResponseStatus.FORBIDDEN, "origin not allowed");
      return;
    }
    Http2Headers h = new DefaultHttp2Headers(false)
        .set("access-control-allow-methods", "POST, GET, OPTIONS")
        .set("access-control-allow-headers", allowHeaders)
        .set("access-control-max-age", maxAge);
    exchange.head(HttpResponseStatus.OK, h, 0);
    exchange.end();
  }
}
