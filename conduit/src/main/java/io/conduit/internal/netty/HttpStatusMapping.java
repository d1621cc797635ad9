package io.conduit.internal.netty;

import io.conduit.Status;
import io.netty.handler.codec.http2.Http2Error;

/** How HTTP statuses and HTTP/2 error codes translate to gRPC statuses (doc/http-grpc-status-mapping.md). */
final class HttpStatusMapping {
  private HttpStatusMapping() {}

  /** The gRPC status for a non-gRPC HTTP response status. */
  public static Status fromHttpStatus(int httpStatus) {
    Status.Code code = switch (httpStatus) {
      case 400, 431 -> Status.Code.INTERNAL;
      case 401 -> Status.Code.UNAUTHENTICATED;
      case 403 -> Status.Code.PERMISSION_DENIED;
      case 404 -> Status.Code.UNIMPLEMENTED;
      case 429, 502, 503, 504 -> Status.Code.UNAVAILABLE;
      default -> Status.Code.UNKNOWN;
    };
    return code.toStatus().withDescription("HTTP status code " + httpStatus);
  }

  /** The gRPC status for a stream reset by the peer with {@code errorCode}. */
  public static Status fromRstStream(long errorCode) {
    Http2Error error = Http2Error.valueOf(errorCode);
    Status.Code code;
    if (error == null) {
      code = Status.Code.INTERNAL;
    } else {
      code = switch (error) {
        case REFUSED_STREAM -> Status.Code.UNAVAILABLE;
        case CANCEL -> Status.Code.CANCELLED;
        case ENHANCE_YOUR_CALM -> Status.Code.RESOURCE_EXHAUSTED;
        case INADEQUATE_SECURITY -> Status.Code.PERMISSION_DENIED;
        default -> Status.Code.INTERNAL;
      };
    }
    return code.toStatus().withDescription("stream reset by peer with HTTP/2 error "
        + (error == null ? "0x" + Long.toHexString(errorCode) : error.name()));
  }
}
