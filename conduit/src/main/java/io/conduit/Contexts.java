package io.conduit;

/** Helpers that tie a {@link Context} to a server call. */
public final class Contexts {
  private Contexts() {}

  /**
   * Starts the call with {@code next} inside {@code context} and runs every callback of the
   * returned listener inside it too, so values an interceptor puts into the context are visible
   * to the service method and each of its callbacks:
   *
   * <pre>{@code
   * return Contexts.interceptCall(Context.current().withValue(USER, user), call, headers, next);
   * }</pre>
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param context the context the call runs in
   * @param call the call being served
   * @param headers the request headers
   * @param next the rest of the chain
   * @return the listener, whose callbacks run in {@code context}
   */
  public static <Q, R> ServerCall.Listener<Q> interceptCall(Context context, ServerCall<Q, R> call,
      Metadata headers, ServerCallHandler<Q, R> next) {
    Context previous = context.attach();
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(call, headers);
    } finally {
      context.detach(previous);
    }
    return new ContextualListener<>(context, delegate);
  }

  /** Runs each callback of {@code delegate} with {@code context} attached. */
  private static final class ContextualListener<Q> extends ServerCall.Listener<Q> {
    private final Context context;
    private final ServerCall.Listener<Q> delegate;

    ContextualListener(Context context, ServerCall.Listener<Q> delegate) {
      this.context = context;
      this.delegate = delegate;
    }

    @Override
    public void onMessage(Q message) {
      context.run(() -> delegate.onMessage(message));
    }

    @Override
    public void onHalfClose() {
      context.run(delegate::onHalfClose);
    }

    @Override
    public void onCancel() {
      context.run(delegate::onCancel);
    }

    @Override
    public void onComplete() {
      context.run(delegate::onComplete);
    }

    @Override
    public void onReady() {
      context.run(delegate::onReady);
    }
  }
}
