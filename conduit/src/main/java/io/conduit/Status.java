package io.conduit;

import java.util.Objects;

/**
 * The outcome of a call: one of the 17 gRPC status codes, an optional human-readable description
 * and an optional local cause (the cause never crosses the wire).
 *
 * <pre>{@code
 * throw Status.NOT_FOUND.withDescription("no feature at " + point).asException();
 * }</pre>
 */
public final class Status {

  /** The gRPC status codes, with their wire values (doc/statuscodes.md). */
  public enum Code {
    OK(0),
    CANCELLED(1),
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    DEADLINE_EXCEEDED(4),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    FAILED_PRECONDITION(9),
    ABORTED(10),
    OUT_OF_RANGE(11),
    UNIMPLEMENTED(12),
    INTERNAL(13),
    UNAVAILABLE(14),
    DATA_LOSS(15),
    UNAUTHENTICATED(16);

    private static final Code[] BY_VALUE = values();

    private final int value;

    Code(int value) {
      this.value = value;
    }

    /** The number sent in {@code grpc-status}. */
    public int value() {
      return value;
    }

    /** The status with this code and no description. */
    public Status toStatus() {
      return CANONICAL[ordinal()];
    }

    /** The code for a wire value; {@link #UNKNOWN} for values outside 0..16. */
    public static Code of(int value) {
      return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
    }
  }

  // Built here, not in Code's constructor: Code must initialize without Status, or touching
  // Status.Code first would see Status half-built.
  private static final Status[] CANONICAL = canonical();

  private static Status[] canonical() {
    Code[] codes = Code.values();
    Status[] all = new Status[codes.length];
    for (Code c : codes) {
      all[c.ordinal()] = new Status(c, null, null);
    }
    return all;
  }

  public static final Status OK = Code.OK.toStatus();
  public static final Status CANCELLED = Code.CANCELLED.toStatus();
  public static final Status UNKNOWN = Code.UNKNOWN.toStatus();
  public static final Status INVALID_ARGUMENT = Code.INVALID_ARGUMENT.toStatus();
  public static final Status DEADLINE_EXCEEDED = Code.DEADLINE_EXCEEDED.toStatus();
  public static final Status NOT_FOUND = Code.NOT_FOUND.toStatus();
  public static final Status ALREADY_EXISTS = Code.ALREADY_EXISTS.toStatus();
  public static final Status PERMISSION_DENIED = Code.PERMISSION_DENIED.toStatus();
  public static final Status RESOURCE_EXHAUSTED = Code.RESOURCE_EXHAUSTED.toStatus();
  public static final Status FAILED_PRECONDITION = Code.FAILED_PRECONDITION.toStatus();
  public static final Status ABORTED = Code.ABORTED.toStatus();
  public static final Status OUT_OF_RANGE = Code.OUT_OF_RANGE.toStatus();
  public static final Status UNIMPLEMENTED = Code.UNIMPLEMENTED.toStatus();
  public static final Status INTERNAL = Code.INTERNAL.toStatus();
  public static final Status UNAVAILABLE = Code.UNAVAILABLE.toStatus();
  public static final Status DATA_LOSS = Code.DATA_LOSS.toStatus();
  public static final Status UNAUTHENTICATED = Code.UNAUTHENTICATED.toStatus();

  private final Code code;
  private final String description;
  private final Throwable cause;

  private Status(Code code, String description, Throwable cause) {
    this.code = Objects.requireNonNull(code, "code");
    this.description = description;
    this.cause = cause;
  }

  /** The status for a wire value of {@code grpc-status}. */
  public static Status fromCodeValue(int value) {
    return Code.of(value).toStatus();
  }

  /**
   * The status a throwable stands for: the status of a {@link StatusException} found in its cause
   * chain, otherwise {@link #UNKNOWN} with the throwable as cause.
   */
  public static Status fromThrowable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StatusException se) {
        return se.status();
      }
    }
    return UNKNOWN.withCause(t);
  }

  public Code code() {
    return code;
  }

  /** The description, or {@code null}. */
  public String description() {
    return description;
  }

  /** The local cause, or {@code null}; never sent to the peer. */
  public Throwable cause() {
    return cause;
  }

  public boolean isOk() {
    return code == Code.OK;
  }

  public Status withDescription(String newDescription) {
    return Objects.equals(description, newDescription) ? this : new Status(code, newDescription, cause);
  }

  /** Appends to the description, on a new line when one is present already. */
  public Status augmentDescription(String more) {
    if (more == null) {
      return this;
    }
    return new Status(code, description == null ? more : description + "\n" + more, cause);
  }

  public Status withCause(Throwable newCause) {
    return cause == newCause ? this : new Status(code, description, newCause);
  }

  /** An unchecked exception carrying this status. */
  public StatusException asException() {
    return new StatusException(this, null);
  }

  /** An unchecked exception carrying this status and trailers for the peer. */
  public StatusException asException(Metadata trailers) {
    return new StatusException(this, trailers);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Status{code=").append(code);
    if (description != null) {
      sb.append(", description=").append(description);
    }
    if (cause != null) {
      sb.append(", cause=").append(cause);
    }
    return sb.append('}').toString();
  }
}
