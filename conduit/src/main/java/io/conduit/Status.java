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
    /** Not an error. */
    OK(0),
    /** The call was cancelled, usually by the caller. */
    CANCELLED(1),
    /** An error with no better code, or one from another error space. */
    UNKNOWN(2),
    /** The request is invalid whatever the state of the system. */
    INVALID_ARGUMENT(3),
    /** The deadline passed before the call completed. */
    DEADLINE_EXCEEDED(4),
    /** A requested entity was not found. */
    NOT_FOUND(5),
    /** An entity the call tried to create already exists. */
    ALREADY_EXISTS(6),
    /** The caller may not do this. */
    PERMISSION_DENIED(7),
    /** A resource (a quota, memory, a limit) is exhausted. */
    RESOURCE_EXHAUSTED(8),
    /** The system is not in a state the call needs. */
    FAILED_PRECONDITION(9),
    /** The call was aborted, usually by a concurrency conflict. */
    ABORTED(10),
    /** The call went past a valid range. */
    OUT_OF_RANGE(11),
    /** The method is not implemented or not supported. */
    UNIMPLEMENTED(12),
    /** An invariant the system relies on is broken. */
    INTERNAL(13),
    /** The service is unavailable for now; the call can usually be retried. */
    UNAVAILABLE(14),
    /** Data was lost or corrupted. */
    DATA_LOSS(15),
    /** The request has no valid credentials. */
    UNAUTHENTICATED(16);

    private static final Code[] BY_VALUE = values();

    private final int value;

    Code(int value) {
      this.value = value;
    }

    /** {@return the number sent in {@code grpc-status}} */
    public int value() {
      return value;
    }

    /** {@return the status with this code and no description} */
    public Status toStatus() {
      return CANONICAL[ordinal()];
    }

    /**
     * The code for a wire value; {@link #UNKNOWN} for values outside 0..16.
     *
     * @param value the wire value
     * @return the code
     */
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

  /** {@link Code#OK} with no description. */
  public static final Status OK = Code.OK.toStatus();
  /** {@link Code#CANCELLED} with no description. */
  public static final Status CANCELLED = Code.CANCELLED.toStatus();
  /** {@link Code#UNKNOWN} with no description. */
  public static final Status UNKNOWN = Code.UNKNOWN.toStatus();
  /** {@link Code#INVALID_ARGUMENT} with no description. */
  public static final Status INVALID_ARGUMENT = Code.INVALID_ARGUMENT.toStatus();
  /** {@link Code#DEADLINE_EXCEEDED} with no description. */
  public static final Status DEADLINE_EXCEEDED = Code.DEADLINE_EXCEEDED.toStatus();
  /** {@link Code#NOT_FOUND} with no description. */
  public static final Status NOT_FOUND = Code.NOT_FOUND.toStatus();
  /** {@link Code#ALREADY_EXISTS} with no description. */
  public static final Status ALREADY_EXISTS = Code.ALREADY_EXISTS.toStatus();
  /** {@link Code#PERMISSION_DENIED} with no description. */
  public static final Status PERMISSION_DENIED = Code.PERMISSION_DENIED.toStatus();
  /** {@link Code#RESOURCE_EXHAUSTED} with no description. */
  public static final Status RESOURCE_EXHAUSTED = Code.RESOURCE_EXHAUSTED.toStatus();
  /** {@link Code#FAILED_PRECONDITION} with no description. */
  public static final Status FAILED_PRECONDITION = Code.FAILED_PRECONDITION.toStatus();
  /** {@link Code#ABORTED} with no description. */
  public static final Status ABORTED = Code.ABORTED.toStatus();
  /** {@link Code#OUT_OF_RANGE} with no description. */
  public static final Status OUT_OF_RANGE = Code.OUT_OF_RANGE.toStatus();
  /** {@link Code#UNIMPLEMENTED} with no description. */
  public static final Status UNIMPLEMENTED = Code.UNIMPLEMENTED.toStatus();
  /** {@link Code#INTERNAL} with no description. */
  public static final Status INTERNAL = Code.INTERNAL.toStatus();
  /** {@link Code#UNAVAILABLE} with no description. */
  public static final Status UNAVAILABLE = Code.UNAVAILABLE.toStatus();
  /** {@link Code#DATA_LOSS} with no description. */
  public static final Status DATA_LOSS = Code.DATA_LOSS.toStatus();
  /** {@link Code#UNAUTHENTICATED} with no description. */
  public static final Status UNAUTHENTICATED = Code.UNAUTHENTICATED.toStatus();

  private final Code code;
  private final String description;
  private final Throwable cause;

  private Status(Code code, String description, Throwable cause) {
    this.code = Objects.requireNonNull(code, "code");
    this.description = description;
    this.cause = cause;
  }

  /**
   * The status for a wire value of {@code grpc-status}.
   *
   * @param value the wire value
   * @return the status, without description
   */
  public static Status fromCodeValue(int value) {
    return Code.of(value).toStatus();
  }

  /**
   * The status a throwable stands for: the status of a {@link StatusException} found in its cause
   * chain, otherwise {@link #UNKNOWN} with the throwable as cause.
   *
   * @param t the throwable
   * @return the status
   */
  public static Status fromThrowable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StatusException se) {
        return se.status();
      }
    }
    return UNKNOWN.withCause(t);
  }

  /** {@return the code} */
  public Code code() {
    return code;
  }

  /** {@return the description, or {@code null}} */
  public String description() {
    return description;
  }

  /** {@return the local cause, or {@code null}; never sent to the peer} */
  public Throwable cause() {
    return cause;
  }

  /** {@return whether the code is {@link Code#OK}} */
  public boolean isOk() {
    return code == Code.OK;
  }

  /**
   * This status with {@code newDescription} as its description.
   *
   * @param newDescription the description
   * @return a new status; this one is unchanged
   */
  public Status withDescription(String newDescription) {
    return Objects.equals(description, newDescription) ? this : new Status(code, newDescription, cause);
  }

  /**
   * Appends to the description, on a new line when one is present already.
   *
   * @param more the text to append
   * @return a status with the longer description; this one when {@code more} is {@code null}
   */
  public Status augmentDescription(String more) {
    if (more == null) {
      return this;
    }
    return new Status(code, description == null ? more : description + "\n" + more, cause);
  }

  /**
   * This status with {@code newCause} as its cause (never sent to the peer).
   *
   * @param newCause the cause
   * @return a new status; this one is unchanged
   */
  public Status withCause(Throwable newCause) {
    return cause == newCause ? this : new Status(code, description, newCause);
  }

  /** {@return an unchecked exception carrying this status} */
  public StatusException asException() {
    return new StatusException(this, null);
  }

  /**
   * An unchecked exception carrying this status and trailers for the peer.
   *
   * @param trailers the trailers for the peer
   * @return the exception
   */
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
