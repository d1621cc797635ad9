package io.conduit.internal.web;

import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The Connect protocol's names for status codes, their HTTP statuses, and its error JSON. */
final class ConnectErrors {
  private ConnectErrors() {}

  /** The code's Connect name: {@code not_found}, {@code canceled} (one L, as Connect spells it). */
  static String codeName(Status.Code code) {
    return code == Status.Code.CANCELLED ? "canceled" : code.name().toLowerCase(Locale.ROOT);
  }

  /** The HTTP status a unary Connect error is sent with (connectrpc.com/docs/protocol). */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 499;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case UNAUTHENTICATED -> 401;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
    };
  }

  /** {@code {"code":"not_found","message":"..."}}. */
  static Map<String, Object> error(Status status) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", codeName(status.code()));
    if (status.description() != null) {
      error.put("message", status.description());
    }
    return error;
  }

  static String errorJson(Status status) {
    return Json.write(error(status));
  }

  /**
   * The end-of-stream message of a streaming Connect response: the error unless OK, and the
   * trailers as {@code {"key": ["value", ...]}}.
   */
  static String endStreamJson(Status status, Metadata trailers) {
    Map<String, Object> end = new LinkedHashMap<>();
    if (status.code() != Status.Code.OK) {
      end.put("error", error(status));
    }
    if (trailers != null && !trailers.isEmpty()) {
      Map<String, Object> metadata = new LinkedHashMap<>();
      for (Metadata.Entry e : trailers.entries()) {
        if (!io.conduit.internal.ReservedHeaders.isReserved(e.key())) {
          @SuppressWarnings("unchecked")
          List<Object> values = (List<Object>) metadata.computeIfAbsent(e.key(), k -> new ArrayList<>());
          values.add(e.wireValue());
        }
      }
      end.put("metadata", metadata);
    }
    return Json.write(end);
  }
}
