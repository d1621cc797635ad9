package io.conduit.stub;

/**
 * A handle on a running call that the caller does not otherwise drive, such as an async
 * server-streaming call: cancelling it ends the call with CANCELLED on both sides.
 */
@FunctionalInterface
public interface CallHandle {
  /**
   * Cancels the call; the response observer then gets {@code onError} with CANCELLED. Does
   * nothing once the call has completed.
   *
   * @param message why, sent as the status description; may be {@code null}
   * @param cause the failure behind the cancellation, or {@code null}
   */
  void cancel(String message, Throwable cause);
}
