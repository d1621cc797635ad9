package io.conduit;

/** A {@link ClientCall} that forwards everything to another; override what you change. */
public class ForwardingClientCall<Q, R> extends ClientCall<Q, R> {
  private final ClientCall<Q, R> delegate;

  /**
   * A call that forwards every method to {@code delegate}.
   *
   * @param delegate the call to forward to
   */
  public ForwardingClientCall(ClientCall<Q, R> delegate) {
    this.delegate = delegate;
  }

  /** {@return the call every method forwards to} */
  protected ClientCall<Q, R> delegate() {
    return delegate;
  }

  @Override
  public void start(Listener<R> listener, Metadata headers) {
    delegate.start(listener, headers);
  }

  @Override
  public void request(int numMessages) {
    delegate.request(numMessages);
  }

  @Override
  public void cancel(String message, Throwable cause) {
    delegate.cancel(message, cause);
  }

  @Override
  public void halfClose() {
    delegate.halfClose();
  }

  @Override
  public void sendMessage(Q message) {
    delegate.sendMessage(message);
  }

  @Override
  public boolean isReady() {
    return delegate.isReady();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    delegate.setMessageCompression(enabled);
  }

  /** A {@link ClientCall.Listener} that forwards everything to another. */
  public static class ForwardingListener<R> extends ClientCall.Listener<R> {
    private final ClientCall.Listener<R> delegate;

    /**
     * A listener that forwards every callback to {@code delegate}.
     *
     * @param delegate the listener to forward to
     */
    public ForwardingListener(ClientCall.Listener<R> delegate) {
      this.delegate = delegate;
    }

    @Override
    public void onHeaders(Metadata headers) {
      delegate.onHeaders(headers);
    }

    @Override
    public void onMessage(R message) {
      delegate.onMessage(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      delegate.onClose(status, trailers);
    }

    @Override
    public void onReady() {
      delegate.onReady();
    }
  }
}
