package io.conduit.internal.netty;

import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.Compressors;
import io.conduit.internal.StatusMessage;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.ReadOnlyHttp2Headers;
import io.netty.util.AsciiString;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** gRPC header names and the mapping between {@link Metadata} and HTTP/2 headers. */
public final class GrpcHeaders {
  private static final System.Logger LOG = System.getLogger(GrpcHeaders.class.getName());

  static final AsciiString POST = AsciiString.cached("POST");
  static final AsciiString HTTP = AsciiString.cached("http");
  static final AsciiString HTTPS = AsciiString.cached("https");
  static final AsciiString STATUS_OK = AsciiString.cached("200");
  public static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
  static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
  static final AsciiString TE = AsciiString.cached("te");
  static final AsciiString TRAILERS = AsciiString.cached("trailers");
  static final AsciiString USER_AGENT = AsciiString.cached("user-agent");
  public static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
  public static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
  public static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
  public static final AsciiString GRPC_ENCODING = AsciiString.cached("grpc-encoding");
  static final AsciiString GRPC_ACCEPT_ENCODING = AsciiString.cached("grpc-accept-encoding");

  /** The {@code grpc-accept-encoding} this implementation sends. */
  static final AsciiString ACCEPT_ENCODING_VALUE = AsciiString.cached(Compressors.acceptEncoding());

  /** Method paths and authorities, which repeat on every call; bounded for safety. */
  private static final ConcurrentHashMap<String, AsciiString> ASCII = new ConcurrentHashMap<>();
  private static final int ASCII_CACHE_LIMIT = 4096;

  /** {@code grpc-status} values, by code. */
  private static final AsciiString[] STATUS_CODES = new AsciiString[Status.Code.values().length];

  static {
    for (Status.Code code : Status.Code.values()) {
      STATUS_CODES[code.value()] = AsciiString.cached(Integer.toString(code.value()));
    }
  }

  /**
   * The response headers of every call that sends no metadata and no compressed messages: one
   * immutable instance, shared, so the common case allocates no headers at all.
   */
  static final Http2Headers RESPONSE_HEADERS = ReadOnlyHttp2Headers.serverHeaders(false, STATUS_OK,
      CONTENT_TYPE, APPLICATION_GRPC,
      GRPC_ACCEPT_ENCODING, ACCEPT_ENCODING_VALUE);

  /** The trailers of every call that ends OK with no description and no trailing metadata. */
  static final Http2Headers OK_TRAILERS =
      ReadOnlyHttp2Headers.trailers(false, GRPC_STATUS, STATUS_CODES[Status.Code.OK.value()]);

  /** Headers the transport owns: never taken from, nor handed to, application metadata. */
  private GrpcHeaders() {}

  /** Whether {@code contentType} is a gRPC one: {@code application/grpc} or {@code application/grpc+...;...}. */
  static boolean isGrpcContentType(CharSequence contentType) {
    if (contentType == null) {
      return false;
    }
    String ct = contentType.toString().toLowerCase(java.util.Locale.ROOT);
    if (!ct.startsWith("application/grpc")) {
      return false;
    }
    if (ct.length() == 16) {
      return true;
    }
    char next = ct.charAt(16);
    return next == '+' || next == ';';
  }

  /** {@code value} as an AsciiString, from a cache: paths and authorities repeat on every call. */
  static AsciiString cachedAscii(String value) {
    AsciiString a = ASCII.get(value);
    if (a == null) {
      a = new AsciiString(value);
      if (ASCII.size() < ASCII_CACHE_LIMIT) {
        ASCII.putIfAbsent(value, a);
      }
    }
    return a;
  }

  /**
   * Puts application metadata as name/value pairs into {@code headers} from index {@code at},
   * skipping keys the transport owns; returns the index after the last pair.
   */
  static int addMetadata(AsciiString[] headers, int at, Metadata metadata) {
    if (metadata == null) {
      return at;
    }
    for (Metadata.Entry e : metadata.entries()) {
      if (!io.conduit.internal.ReservedHeaders.isReserved(e.key())) {
        headers[at++] = AsciiString.of(e.key());
        headers[at++] = AsciiString.of(e.wireValue());
      }
    }
    return at;
  }

  /** Adds application metadata to outgoing headers, skipping keys the transport owns. */
  public static void addMetadata(Http2Headers headers, Metadata metadata) {
    if (metadata == null) {
      return;
    }
    for (Metadata.Entry e : metadata.entries()) {
      if (!io.conduit.internal.ReservedHeaders.isReserved(e.key())) {
        headers.add(AsciiString.of(e.key()), e.wireValue());
      }
    }
  }

  /** The application metadata in incoming headers: no pseudo-headers, no reserved ones. */
  public static Metadata toMetadata(Http2Headers headers) {
    Metadata md = new Metadata();
    for (Map.Entry<CharSequence, CharSequence> h : headers) {
      CharSequence name = h.getKey();
      if (name.length() == 0 || name.charAt(0) == ':') {
        continue;
      }
      String key = name.toString();
      if (io.conduit.internal.ReservedHeaders.isReserved(key)) {
        continue;
      }
      try {
        md.addWireValue(key, h.getValue().toString());
      } catch (IllegalArgumentException e) {
        // One bad header should not fail the call; drop it and say so.
        LOG.log(Level.DEBUG, "dropping invalid metadata: " + e.getMessage());
      }
    }
    return md;
  }

  /** The gRPC status in trailers, or {@code null} when there is no {@code grpc-status}. */
  static Status statusFromTrailers(Http2Headers trailers) {
    CharSequence code = trailers.get(GRPC_STATUS);
    if (code == null) {
      return null;
    }
    Status status;
    try {
      status = Status.fromCodeValue(Integer.parseInt(code.toString().trim()));
    } catch (NumberFormatException e) {
      return Status.UNKNOWN.withDescription("invalid grpc-status: " + code);
    }
    CharSequence message = trailers.get(GRPC_MESSAGE);
    return message == null ? status : status.withDescription(StatusMessage.decode(message));
  }

  /** Sets {@code grpc-status} and {@code grpc-message} (percent-encoded). */
  public static void addStatus(Http2Headers trailers, Status status) {
    trailers.set(GRPC_STATUS, STATUS_CODES[status.code().value()]);
    if (status.description() != null) {
      trailers.set(GRPC_MESSAGE, StatusMessage.encode(status.description()));
    }
  }
}
