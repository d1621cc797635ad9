package io.conduit.stub;

/**
 * Receives a stream of messages: any number of {@link #onNext}, then exactly one of
 * {@link #onCompleted} or {@link #onError}. Not thread-safe: call it from one thread at a time.
 */
public interface StreamObserver<T> {
  /**
   * One message of the stream.
   *
   * @param value the message
   */
  void onNext(T value);

  /**
   * The stream failed; {@code t} is usually a {@link io.conduit.StatusException}.
   *
   * @param t the failure
   */
  void onError(Throwable t);

  /** The stream ended with no error; nothing follows. */
  void onCompleted();
}
