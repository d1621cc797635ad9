package io.conduit.internal.web;

import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.internal.GrpcTimeout;
import io.conduit.internal.netty.GrpcHeaders;
import io.conduit.internal.transport.ServerTransportListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Tells what a web request is by its method and content type, and starts it: a gRPC-Web or
 * Connect call handed to the server like any stream, a CORS preflight, a static file, or an HTTP
 * error (415 for a content type no protocol here speaks). Event loop only.
 */
final class WebRouter {
  private final WebProtocols web;
  private final ServerTransportListener streams;

  WebRouter(WebProtocols web, ServerTransportListener streams) {
    this.web = web;
    this.streams = streams;
  }

  /** The CORS headers every response to this request carries, or null (no allowed origin). */
  Http2Headers corsHeaders(HttpHeaders request) {
    return web.cors().forResponse(request.get("origin"));
  }

  /** Starts an HTTP/1.1 request; returns where its body goes. */
  RequestBody route(Http1Exchange exchange, HttpRequest request) {
    Http2Headers h = new DefaultHttp2Headers(false)
        .method(request.method().asciiName())
        .path(request.uri());
    for (Map.Entry<String, String> e : request.headers()) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("host")) {
        h.authority(e.getValue());
      } else if (!name.equals("connection") && !name.equals("keep-alive")
          && !name.equals("transfer-encoding") && !name.equals("content-length")) {
        h.add(name, e.getValue());
      }
    }
    return route(exchange, h, exchange.corsHeaders());
  }

  /** Starts a request whatever its HTTP version. */
  RequestBody route(WebExchange exchange, Http2Headers h, Http2Headers cors) {
    String method = h.method().toString();
    String uri = h.path().toString();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    if (method.equals("OPTIONS")) {
      web.cors().preflight(exchange, cors);
      return RequestBody.DISCARD;
    }
    if (method.equals("GET") || method.equals("HEAD")) {
      MethodDescriptor<?, ?> rpc = web.method(path);
      if (rpc != null && method.equals("GET")) {
        return connectGet(exchange, h, path, uri, rpc);
      }
      if (web.staticFiles() != null && method.equals("GET")) {
        web.staticFiles().serve(exchange, path);
      } else {
        plainError(exchange, HttpResponseStatus.NOT_FOUND, "not found: " + path);
      }
      return RequestBody.DISCARD;
    }
    if (!method.equals("POST")) {
      plainError(exchange, HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + method + " not allowed");
      return RequestBody.DISCARD;
    }
    CharSequence rawType = h.get(GrpcHeaders.CONTENT_TYPE);
    String type = rawType == null ? "" : rawType.toString().toLowerCase(Locale.ROOT);
    int semi = type.indexOf(';');
    if (semi >= 0) {
      type = type.substring(0, semi).trim();
    }
    String authority = h.authority() == null ? null : h.authority().toString();
    MethodDescriptor<?, ?> rpc = web.method(path);
    switch (type) {
      case "application/grpc-web", "application/grpc-web+proto" -> {
        return grpcWeb(exchange, h, path, authority, rpc, false);
      }
      case "application/grpc-web-text", "application/grpc-web-text+proto" -> {
        return grpcWeb(exchange, h, path, authority, rpc, true);
      }
      case "application/proto", "application/json" -> {
        return connectUnary(exchange, h, path, authority, rpc, codec(type.substring(12)), null);
      }
      case "application/connect+proto", "application/connect+json" -> {
        return connectStream(exchange, h, path, authority, codec(type.substring(20)));
      }
      default -> {
        plainError(exchange, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, rawType == null
            ? "missing content-type"
            : "content-type '" + rawType + "' is not gRPC-Web or Connect");
        return RequestBody.DISCARD;
      }
    }
  }

  /** The codec named in a content type, or null when it cannot be served here. */
  private static MessageCodec codec(String name) {
    return name.equals("proto") ? MessageCodec.PROTO : MessageCodec.json();
  }

  private RequestBody grpcWeb(WebExchange exchange, Http2Headers h, String path, String authority,
      MethodDescriptor<?, ?> rpc, boolean text) {
    long timeout = -1;
    Status refused = null;
    CharSequence t = h.get(GrpcHeaders.GRPC_TIMEOUT);
    if (t != null) {
      try {
        timeout = GrpcTimeout.parse(t);
      } catch (IllegalArgumentException e) {
        refused = Status.INTERNAL.withDescription(e.getMessage());
      }
    }
    CharSequence encoding = h.get(GrpcHeaders.GRPC_ENCODING);
    if (encoding != null && !"identity".contentEquals(encoding)) {
      refused = Status.UNIMPLEMENTED.withDescription("message encoding '" + encoding
          + "' is not supported over gRPC-Web; supported: identity");
    }
    if (rpc != null && rpc.type().clientStreaming()) {
      refused = Status.UNIMPLEMENTED.withDescription("method " + rpc.fullMethodName() + " is "
          + rpc.type().name().toLowerCase(Locale.ROOT).replace('_', '-') + ": gRPC-Web serves "
          + "unary and server-streaming methods only (browsers cannot stream requests)");
    }
    GrpcWebCall call = new GrpcWebCall(exchange, text, authority, timeout, web.maxMessageSize());
    if (refused != null) {
      call.abortOnLoop(refused, new Metadata());
      return RequestBody.DISCARD;
    }
    streams.streamCreated(call, path, GrpcHeaders.toMetadata(h));
    return call;
  }

  private RequestBody connectUnary(WebExchange exchange, Http2Headers h, String path,
      String authority, MethodDescriptor<?, ?> rpc, MessageCodec codec, ByteBuf body) {
    if (codec == null) {
      release(body);
      plainError(exchange, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "JSON needs "
          + "com.google.protobuf:protobuf-java-util on the server's class path; use application/proto");
      return RequestBody.DISCARD;
    }
    Status refused = connectHeaders(h);
    if (refused == null && rpc != null && rpc.type() != MethodDescriptor.Type.UNARY) {
      release(body);
      plainError(exchange, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "method "
          + rpc.fullMethodName() + " is streaming: call it with application/connect+" + codec.name());
      return RequestBody.DISCARD;
    }
    CharSequence encoding = h.get("content-encoding");
    if (refused == null && encoding != null && !"identity".contentEquals(encoding)) {
      refused = Status.UNIMPLEMENTED.withDescription("content-encoding '" + encoding
          + "' is not supported; supported: identity");
    }
    ConnectUnaryCall call = new ConnectUnaryCall(exchange, codec, authority, connectTimeout(h),
        web.maxMessageSize(), body);
    if (refused != null) {
      call.abortOnLoop(refused, new Metadata());
      return RequestBody.DISCARD;
    }
    streams.streamCreated(call, path, GrpcHeaders.toMetadata(h));
    return call;
  }

  private RequestBody connectStream(WebExchange exchange, Http2Headers h, String path,
      String authority, MessageCodec codec) {
    if (codec == null) {
      plainError(exchange, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "JSON needs "
          + "com.google.protobuf:protobuf-java-util on the server's class path; use application/connect+proto");
      return RequestBody.DISCARD;
    }
    Status refused = connectHeaders(h);
    CharSequence encoding = h.get("connect-content-encoding");
    if (refused == null && encoding != null && !"identity".contentEquals(encoding)) {
      refused = Status.UNIMPLEMENTED.withDescription("connect-content-encoding '" + encoding
          + "' is not supported; supported: identity");
    }
    ConnectStreamCall call = new ConnectStreamCall(exchange, codec, authority, connectTimeout(h),
        web.maxMessageSize());
    if (refused != null) {
      call.abortOnLoop(refused, new Metadata());
      return RequestBody.DISCARD;
    }
    streams.streamCreated(call, path, GrpcHeaders.toMetadata(h));
    return call;
  }

  /** A Connect unary call by GET (connectrpc.com/docs/protocol, "Unary-Get-Request"). */
  private RequestBody connectGet(WebExchange exchange, Http2Headers h, String path, String uri,
      MethodDescriptor<?, ?> rpc) {
    if (!rpc.isSafe()) {
      plainError(exchange, HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + rpc.fullMethodName()
          + " has side effects: GET serves only methods with idempotency_level NO_SIDE_EFFECTS");
      return RequestBody.DISCARD;
    }
    // Latin-1 keeps percent-encoded bytes as they are (a binary message needs not be UTF-8).
    Map<String, List<String>> query = new QueryStringDecoder(uri, StandardCharsets.ISO_8859_1)
        .parameters();
    String encoding = first(query, "encoding");
    String message = first(query, "message");
    String compression = first(query, "compression");
    MessageCodec codec = encoding == null ? null : switch (encoding) {
      case "proto" -> MessageCodec.PROTO;
      case "json" -> MessageCodec.json();
      default -> null;
    };
    if (codec == null) {
      plainError(exchange, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "GET needs encoding=proto"
          + " or encoding=json (JSON with protobuf-java-util on the server's class path)");
      return RequestBody.DISCARD;
    }
    if (compression != null && !compression.equals("identity")) {
      connectError(exchange, Status.UNIMPLEMENTED.withDescription("compression '" + compression
          + "' is not supported; supported: identity"));
      return RequestBody.DISCARD;
    }
    byte[] bytes = message == null ? new byte[0] : message.getBytes(StandardCharsets.ISO_8859_1);
    if ("1".equals(first(query, "base64"))) {
      try {
        bytes = Base64.getUrlDecoder().decode(bytes);
      } catch (IllegalArgumentException e) {
        connectError(exchange, Status.INVALID_ARGUMENT.withDescription("message is not base64: "
            + e.getMessage()));
        return RequestBody.DISCARD;
      }
    }
    if (bytes.length > web.maxMessageSize()) {
      connectError(exchange, Status.RESOURCE_EXHAUSTED.withDescription("request message exceeds "
          + "the limit of " + web.maxMessageSize() + " bytes"));
      return RequestBody.DISCARD;
    }
    connectUnary(exchange, h, path, h.authority() == null ? null : h.authority().toString(), rpc,
        codec, Unpooled.wrappedBuffer(bytes));
    return RequestBody.DISCARD;
  }

  private static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static void release(ByteBuf body) {
    if (body != null) {
      body.release();
    }
  }

  /** The problem with a Connect request's protocol headers, or null. */
  private static Status connectHeaders(Http2Headers h) {
    CharSequence version = h.get("connect-protocol-version");
    if (version != null && !"1".contentEquals(version)) {
      return Status.INVALID_ARGUMENT.withDescription("connect-protocol-version must be 1, not "
          + version);
    }
    CharSequence timeout = h.get("connect-timeout-ms");
    if (timeout != null && parseTimeoutMs(timeout) < 0) {
      return Status.INVALID_ARGUMENT.withDescription("connect-timeout-ms must be 1 to 10 digits, not '"
          + timeout + "'");
    }
    return null;
  }

  private static long connectTimeout(Http2Headers h) {
    CharSequence timeout = h.get("connect-timeout-ms");
    long ms = timeout == null ? -1 : parseTimeoutMs(timeout);
    return ms < 0 ? -1 : java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(ms);
  }

  /** Connect-Timeout-Ms: a positive integer of at most 10 digits; -1 when it is not. */
  static long parseTimeoutMs(CharSequence value) {
    if (value.length() == 0 || value.length() > 10) {
      return -1;
    }
    long ms = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      ms = ms * 10 + (c - '0');
    }
    return ms;
  }

  /** A Connect error before any call exists: its HTTP status and JSON body. */
  static void connectError(WebExchange exchange, Status status) {
    byte[] json = ConnectErrors.errorJson(status, null).getBytes(StandardCharsets.UTF_8);
    exchange.head(HttpResponseStatus.valueOf(ConnectErrors.httpStatus(status.code())),
        new DefaultHttp2Headers(false).set("content-type", "application/json"), json.length);
    exchange.body(exchange.channel().alloc().buffer(json.length).writeBytes(json), true, null);
    exchange.end();
  }

  /** A response that is no RPC: an HTTP status and a line of text. */
  static void plainError(WebExchange exchange, HttpResponseStatus status, String message) {
    byte[] text = (message + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.head(status, new DefaultHttp2Headers(false)
        .set("content-type", "text/plain; charset=utf-8"), text.length);
    exchange.body(exchange.channel().alloc().buffer(text.length).writeBytes(text), true, null);
    exchange.end();
  }
}
