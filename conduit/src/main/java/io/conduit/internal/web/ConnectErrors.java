package io.conduit.internal.web;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.Json;
import java.util.ArrayList;
import java.util.Base64;
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

  /**
   * The trailer that carries a {@code google.rpc.Status} with the error's details in gRPC; in
   * Connect the details go in the error JSON instead.
   */
  static final String DETAILS_KEY = "grpc-status-details-bin";

  /** {@code google.rpc.Status.details}: {@code repeated google.protobuf.Any details = 3}. */
  private static final int STATUS_DETAILS_FIELD = 3;

  /**
   * {@code {"code":"not_found","message":"...","details":[{"type":"google.rpc.ErrorInfo",
   * "value":"<unpadded base64>"}]}}: the details are those of the {@code google.rpc.Status} in
   * {@code trailers}' {@value #DETAILS_KEY}, if any (the last one, as gRPC reads it).
   */
  static Map<String, Object> error(Status status, Metadata trailers) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", codeName(status.code()));
    if (status.description() != null) {
      error.put("message", status.description());
    }
    List<Map<String, Object>> details = details(trailers);
    if (!details.isEmpty()) {
      error.put("details", details);
    }
    return error;
  }

  static String errorJson(Status status, Metadata trailers) {
    return Json.write(error(status, trailers));
  }

  /**
   * Whether a trailer is sent as Connect metadata: not reserved, and not the details trailer,
   * which becomes the error's {@code details}.
   */
  static boolean isMetadata(String key) {
    return !io.conduit.internal.ReservedHeaders.isReserved(key) && !key.equals(DETAILS_KEY);
  }

  private static List<Map<String, Object>> details(Metadata trailers) {
    byte[] statusProto = null;
    if (trailers != null) {
      for (Metadata.Entry e : trailers.entries()) {
        if (e.key().equals(DETAILS_KEY)) {
          statusProto = (byte[]) e.value();
        }
      }
    }
    if (statusProto == null) {
      return List.of();
    }
    List<Map<String, Object>> details = new ArrayList<>();
    try {
      UnknownFieldSet fields = UnknownFieldSet.parseFrom(statusProto);
      if (!fields.hasField(STATUS_DETAILS_FIELD)) {
        return List.of();
      }
      for (ByteString bytes : fields.getField(STATUS_DETAILS_FIELD).getLengthDelimitedList()) {
        Any any = Any.parseFrom(bytes);
        String url = any.getTypeUrl();
        Map<String, Object> detail = new LinkedHashMap<>();
        // Connect names the message type alone, without the type URL's host.
        detail.put("type", url.substring(url.lastIndexOf('/') + 1));
        detail.put("value", Base64.getEncoder().withoutPadding()
            .encodeToString(any.getValue().toByteArray()));
        details.add(detail);
      }
    } catch (InvalidProtocolBufferException e) {
      // Not a google.rpc.Status: the error goes without details, as a gRPC client would drop
      // a details trailer it cannot parse.
      return List.of();
    }
    return details;
  }

  /**
   * The end-of-stream message of a streaming Connect response: the error unless OK, and the
   * trailers as {@code {"key": ["value", ...]}}.
   */
  static String endStreamJson(Status status, Metadata trailers) {
    Map<String, Object> end = new LinkedHashMap<>();
    if (status.code() != Status.Code.OK) {
      end.put("error", error(status, trailers));
    }
    if (trailers != null && !trailers.isEmpty()) {
      Map<String, Object> metadata = new LinkedHashMap<>();
      for (Metadata.Entry e : trailers.entries()) {
        if (isMetadata(e.key())) {
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
