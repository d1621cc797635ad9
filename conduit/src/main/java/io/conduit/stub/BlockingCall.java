package io.conduit.stub;

/**
 * A client- or bidirectional-streaming call driven from a plain or virtual thread.
 *
 * <pre>{@code
 * try (BlockingCall<Point, RouteSummary> call = routeGuide.recordRoute()) {
 *   for (Point p : points) {
 *     call.send(p);          // waits while the transport is full: back-pressure, no unbounded queue
 *   }
 *   RouteSummary summary = call.finish();
 * }
 * }</pre>
 *
 * <p>Failures surface as {@link io.conduit.StatusException}. {@code send} and {@code read} may be
 * used from two different threads at once (one sending, one reading).
 */
public interface BlockingCall<Q, R> extends AutoCloseable {
  /**
   * Sends a message, waiting while the call cannot take more without buffering.
   *
   * @param message the request message
   */
  void send(Q message);

  /** Signals that no more messages will be sent. */
  void halfClose();

  /** {@return the next response, or {@code null} once the server finished successfully} */
  R read();

  /**
   * Half-closes and returns the single response of a client-streaming call.
   *
   * @return the response
   */
  R finish();

  /**
   * Cancels the call if it has not finished.
   *
   * @param message why, for the status description
   */
  void cancel(String message);

  /** Cancels the call if it has not finished; never throws. */
  @Override
  void close();
}
