package io.conduit;

/**
 * An unchecked exception that carries a {@link Status} and, optionally, trailers.
 *
 * <p>Thrown by blocking stubs when a call fails, and thrown (or passed to {@code onError}) by
 * service code to fail a call with a chosen status.
 */
public class StatusException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Status status;
  private final transient Metadata trailers;

  /**
   * A failure with {@code status} and no trailers.
   *
   * @param status the status
   */
  public StatusException(Status status) {
    this(status, null);
  }

  /**
   * A failure with {@code status} and the trailers to send or that were received.
   *
   * @param status the status
   * @param trailers the trailers; may be {@code null}
   */
  public StatusException(Status status, Metadata trailers) {
    super(message(status), status.cause());
    this.status = status;
    this.trailers = trailers;
  }

  private static String message(Status status) {
    return status.description() == null
        ? status.code().name()
        : status.code() + ": " + status.description();
  }

  /** {@return the status of the failure} */
  public Status status() {
    return status;
  }

  /** {@return the trailers received with (or to be sent with) the status, or {@code null}} */
  public Metadata trailers() {
    return trailers;
  }
}
