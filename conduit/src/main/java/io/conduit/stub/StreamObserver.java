package io.conduit.stub;

/**
 * Receives a stream of messages: any number of {@link #onNext}, then exactly one of
 * {@link #onCompleted} or {@link #onError}. Not thread-safe: call it from one thread at a time.
 */
public interface StreamObserver<T> {
  void onNext(T value);

  /** The stream failed; {@code t} is usually a {@link io.conduit.StatusException}. */
  void onError(Throwable t);

  void onCompleted();
}
