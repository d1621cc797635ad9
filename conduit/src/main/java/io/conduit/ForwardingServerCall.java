package io.conduit;

import java.net.SocketAddress;

/** A {@link ServerCall} that forwards everything to another; override what you change. */
public class ForwardingServerCall<Q, R> extends ServerCall<Q, R> {
  private final ServerCall<Q, R> delegate;

  /**
   * A call that forwards every method to {@code delegate}.
   *
   * @param delegate the call to forward to
   */
  public ForwardingServerCall(ServerCall<Q, R> delegate) {
    this.delegate = delegate;
  }

  /** {@return the call every method forwards to} */
  protected ServerCall<Q, R> delegate() {
    return delegate;
  }

  @Override
  public void request(int numMessages) {
    delegate.request(numMessages);
  }

  @Override
  public void sendHeaders(Metadata headers) {
    delegate.sendHeaders(headers);
  }

  @Override
  public void sendMessage(R message) {
    delegate.sendMessage(message);
  }

  @Override
  public void close(Status status, Metadata trailers) {
    delegate.close(status, trailers);
  }

  @Override
  public boolean isCancelled() {
    return delegate.isCancelled();
  }

  @Override
  public boolean isReady() {
    return delegate.isReady();
  }

  @Override
  public MethodDescriptor<Q, R> method() {
    return delegate.method();
  }

  @Override
  public String authority() {
    return delegate.authority();
  }

  @Override
  public SocketAddress remoteAddress() {
    return delegate.remoteAddress();
  }

  @Override
  public Deadline deadline() {
    return delegate.deadline();
  }

  @Override
  public void setCompression(String encoding) {
    delegate.setCompression(encoding);
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    delegate.setMessageCompression(enabled);
  }

  @Override
  public boolean isMessageCompressed() {
    return delegate.isMessageCompressed();
  }

  /** A {@link ServerCall.Listener} that forwards everything to another. */
  public static class ForwardingListener<Q> extends ServerCall.Listener<Q> {
    private final ServerCall.Listener<Q> delegate;

    /**
     * A listener that forwards every callback to {@code delegate}.
     *
     * @param delegate the listener to forward to
     */
    public ForwardingListener(ServerCall.Listener<Q> delegate) {
      this.delegate = delegate;
    }

    @Override
    public void onMessage(Q message) {
      delegate.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      delegate.onHalfClose();
    }

    @Override
    public void onCancel() {
      delegate.onCancel();
    }

    @Override
    public void onComplete() {
      delegate.onComplete();
    }

    @Override
    public void onReady() {
      delegate.onReady();
    }
  }
}
