package io.conduit.protobuf.rpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Rich error details: a {@code google.rpc.Status} (code, message and details such as
 * {@code ErrorInfo}, {@code BadRequest}, {@code RetryInfo} from proto-google-common-protos)
 * carried in the {@code grpc-status-details-bin} trailer, beside the call's gRPC status. The same
 * trailer grpc-java's {@code io.grpc.protobuf.StatusProto} writes and reads, so details cross
 * between the two in both directions.
 *
 * <p>In a service, fail the call with details:
 *
 * <pre>{@code
 * throw StatusProto.toStatusException(Status.INVALID_ARGUMENT.withDescription("bad name"),
 *     BadRequest.newBuilder().addFieldViolations(FieldViolation.newBuilder()
 *         .setField("name").setDescription("must not be empty")).build());
 * }</pre>
 *
 * <p>In a client, read them back from the failure:
 *
 * <pre>{@code
 * } catch (StatusException e) {
 *   com.google.rpc.Status status = StatusProto.fromThrowable(e);
 *   StatusProto.detail(status, RetryInfo.class).ifPresent(retry -> ...);
 * }
 * }</pre>
 *
 * <p>The two statuses always agree: the exceptions made here take their gRPC code and
 * description from the {@code google.rpc.Status}, and a received {@code google.rpc.Status} whose
 * code differs from the call's gRPC status is refused ({@link IllegalArgumentException}).
 */
public final class StatusProto {
  /** The trailer that carries the serialized {@code google.rpc.Status}: {@value}. */
  public static final String DETAILS_KEY = "grpc-status-details-bin";

  private StatusProto() {}

  /**
   * The exception that fails a call with {@code status}: its gRPC code and message, and the whole
   * {@code google.rpc.Status} in the {@link #DETAILS_KEY} trailer. Throw it from a service method
   * or pass it to {@code onError}.
   *
   * @param status the code, message and details to send
   * @return the exception, with the details trailer
   * @throws IllegalArgumentException if the code is OK (0) or not a gRPC code (1 to 16)
   */
  public static StatusException toStatusException(com.google.rpc.Status status) {
    return toStatusException(status, null);
  }

  /**
   * Like {@link #toStatusException(com.google.rpc.Status)}, with {@code trailers} sent too (a
   * {@link #DETAILS_KEY} among them is replaced).
   *
   * @param status the code, message and details to send
   * @param trailers more trailers to send, copied; may be {@code null}
   * @return the exception, with the trailers and the details trailer
   * @throws IllegalArgumentException if the code is OK (0) or not a gRPC code (1 to 16)
   */
  public static StatusException toStatusException(com.google.rpc.Status status, Metadata trailers) {
    Objects.requireNonNull(status, "status");
    Status grpcStatus = errorCode(status.getCode()).toStatus()
        .withDescription(status.getMessage().isEmpty() ? null : status.getMessage());
    return grpcStatus.asException(withDetails(trailers, status));
  }

  /**
   * The exception that fails a call with {@code status} (its code, description and local cause)
   * and {@code details}: each a detail message such as {@code ErrorInfo}, packed into an
   * {@link Any} unless it is one already.
   *
   * @param status the gRPC status to fail with
   * @param details the detail messages, in order
   * @return the exception, with the details trailer
   * @throws IllegalArgumentException if {@code status} is OK
   */
  public static StatusException toStatusException(Status status, Message... details) {
    com.google.rpc.Status proto = of(status, details);
    return status.asException(withDetails(null, proto));
  }

  /**
   * The {@code google.rpc.Status} of {@code status} and {@code details}: its code, its
   * description as the message ({@code ""} when it has none), and each detail packed into an
   * {@link Any} unless it is one already.
   *
   * @param status the code and description
   * @param details the detail messages, in order
   * @return the {@code google.rpc.Status}
   * @throws IllegalArgumentException if {@code status} is OK
   */
  public static com.google.rpc.Status of(Status status, Message... details) {
    Objects.requireNonNull(status, "status");
    errorCode(status.code().value());
    com.google.rpc.Status.Builder proto = com.google.rpc.Status.newBuilder()
        .setCode(status.code().value())
        .setMessage(status.description() == null ? "" : status.description());
    for (Message detail : details) {
      Objects.requireNonNull(detail, "detail");
      proto.addDetails(detail instanceof Any any ? any : Any.pack(detail));
    }
    return proto.build();
  }

  /**
   * The {@code google.rpc.Status} of a failure: of the {@link StatusException} found in
   * {@code t}'s cause chain (as {@link #fromStatusAndTrailers}), or {@code null} if there is
   * none.
   *
   * @param t a failure, such as a client's {@link StatusException} or a future's exception
   * @return the call's {@code google.rpc.Status}, or {@code null}
   * @throws IllegalArgumentException if the details trailer is malformed or disagrees with the
   *     gRPC status
   */
  public static com.google.rpc.Status fromThrowable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StatusException se) {
        return fromStatusAndTrailers(se.status(), se.trailers());
      }
    }
    return null;
  }

  /**
   * The {@code google.rpc.Status} a call ended with: the one in the {@link #DETAILS_KEY} trailer
   * when there is one, otherwise one made of {@code status}'s code and description (no details),
   * as for a failure that happened locally, such as UNAVAILABLE.
   *
   * @param status the call's gRPC status
   * @param trailers the call's trailers; may be {@code null}
   * @return the call's {@code google.rpc.Status}
   * @throws IllegalArgumentException if the trailer does not hold a {@code google.rpc.Status}, or
   *     holds one whose code is not {@code status}'s
   */
  public static com.google.rpc.Status fromStatusAndTrailers(Status status, Metadata trailers) {
    Objects.requireNonNull(status, "status");
    byte[] bytes = trailers == null ? null : trailers.getBinary(DETAILS_KEY);
    if (bytes == null) {
      return com.google.rpc.Status.newBuilder()
          .setCode(status.code().value())
          .setMessage(status.description() == null ? "" : status.description())
          .build();
    }
    com.google.rpc.Status proto;
    try {
      proto = com.google.rpc.Status.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(DETAILS_KEY + " does not hold a google.rpc.Status: "
          + e.getMessage(), e);
    }
    if (proto.getCode() != status.code().value()) {
      throw new IllegalArgumentException("the google.rpc.Status in " + DETAILS_KEY + " has code "
          + proto.getCode() + " (" + Status.Code.of(proto.getCode()) + "), but the call's gRPC status is "
          + status.code().value() + " (" + status.code() + ")");
    }
    return proto;
  }

  /**
   * The first detail of {@code status} that is a {@code type}, such as
   * {@code detail(status, RetryInfo.class)}; empty if it has none.
   *
   * @param <T> the detail's message type
   * @param status the status to look in
   * @param type the detail's message class
   * @return the first such detail, or empty
   * @throws IllegalArgumentException if that detail's bytes are not a valid {@code type}
   */
  public static <T extends Message> Optional<T> detail(com.google.rpc.Status status, Class<T> type) {
    List<T> all = details(status, type);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
  }

  /**
   * Every detail of {@code status} that is a {@code type}, in order.
   *
   * @param <T> the details' message type
   * @param status the status to look in
   * @param type the details' message class
   * @return those details, possibly none
   * @throws IllegalArgumentException if one of them is not a valid {@code type}
   */
  public static <T extends Message> List<T> details(com.google.rpc.Status status, Class<T> type) {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(type, "type");
    List<T> found = new ArrayList<>();
    for (Any any : status.getDetailsList()) {
      if (any.is(type)) {
        try {
          found.add(any.unpack(type));
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalArgumentException("a detail of type " + any.getTypeUrl()
              + " is not a valid " + type.getName() + ": " + e.getMessage(), e);
        }
      }
    }
    return found;
  }

  private static Status.Code errorCode(int value) {
    if (value <= 0 || value > Status.Code.UNAUTHENTICATED.value()) {
      throw new IllegalArgumentException(value == 0
          ? "a google.rpc.Status for a failed call cannot have code 0 (OK)"
          : "google.rpc.Status code " + value + " is not a gRPC status code (1 to 16)");
    }
    return Status.Code.of(value);
  }

  private static Metadata withDetails(Metadata trailers, com.google.rpc.Status status) {
    Metadata out = trailers == null ? new Metadata() : new Metadata(trailers);
    out.remove(DETAILS_KEY);
    return out.addBinary(DETAILS_KEY, status.toByteArray());
  }
}
