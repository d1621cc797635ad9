package io.conduit.interop;

import io.conduit.ForwardingServerCall;
import io.conduit.Metadata;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServerInterceptor;
import io.conduit.Status;
import io.grpc.testing.integration.Messages.BoolValue;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.StreamingInputCallRequest;

/**
 * The interop server's "CompressedRequest" feature (doc/interop-test-descriptions.md): a request
 * that carries {@code expect_compressed} must have arrived as the client says. {@code true} on a
 * message without the compressed flag fails the call with INVALID_ARGUMENT at once, without
 * waiting for the rest of the stream: that is the feature probe of client_compressed_unary and
 * client_compressed_streaming. {@code false} on a compressed message fails it the same way, as the
 * C++ interop server does. Requests without the field are not checked, so that clients which do not
 * know the feature are served as before.
 *
 * <p>Applies to the two messages that have the field: {@code SimpleRequest} (UnaryCall,
 * CacheableUnaryCall) and {@code StreamingInputCallRequest} (StreamingInputCall). grpc-java's
 * interop server does not check the field, hence the {@code _noprobe} cases.
 */
public final class CompressedRequestInterceptor implements ServerInterceptor {

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return new CheckingListener<>(call, next.startCall(call, headers));
  }

  /**
   * The expectation {@code message} states, or null when it states none. Package-private for
   * tests.
   */
  static BoolValue expectation(Object message) {
    if (message instanceof SimpleRequest r && r.hasExpectCompressed()) {
      return r.getExpectCompressed();
    }
    if (message instanceof StreamingInputCallRequest r && r.hasExpectCompressed()) {
      return r.getExpectCompressed();
    }
    return null;
  }

  /**
   * Checks each message while the call can still tell how it arrived
   * ({@link ServerCall#isMessageCompressed()} holds during onMessage only). Once it has failed the
   * call, the handler hears nothing more but the end of the call, so it never answers a closed
   * call.
   */
  private static final class CheckingListener<Q>
      extends ForwardingServerCall.ForwardingListener<Q> {
    private final ServerCall<Q, ?> call;
    // Listener callbacks of one call never run concurrently, but may run on different threads.
    private volatile boolean rejected;

    CheckingListener(ServerCall<Q, ?> call, ServerCall.Listener<Q> delegate) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(Q message) {
      if (rejected) {
        return;
      }
      BoolValue expect = expectation(message);
      if (expect != null) {
        boolean compressed = call.isMessageCompressed();
        if (expect.getValue() != compressed) {
          rejected = true;
          call.close(Status.INVALID_ARGUMENT.withDescription(expect.getValue()
              ? "expect_compressed is true but the request message arrived uncompressed"
              : "expect_compressed is false but the request message arrived compressed"),
              new Metadata());
          return;
        }
      }
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (!rejected) {
        super.onHalfClose();
      }
    }
  }
}
