package io.conduit.interop;

import io.conduit.ForwardingServerCall;
import io.conduit.Metadata;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServerInterceptor;
import io.conduit.Status;
import java.util.List;

/**
 * The interop server's "Echo Metadata" feature: the value of {@code x-grpc-test-echo-initial} in
 * the request headers comes back in the response headers, the values of
 * {@code x-grpc-test-echo-trailing-bin} in the trailers.
 */
public final class EchoMetadataInterceptor implements ServerInterceptor {
  public static final String ECHO_INITIAL_KEY = "x-grpc-test-echo-initial";
  public static final String ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin";

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String initial = headers.get(ECHO_INITIAL_KEY);
    List<byte[]> trailing = headers.getAllBinary(ECHO_TRAILING_KEY);
    if (initial == null && trailing.isEmpty()) {
      return next.startCall(call, headers);
    }
    return next.startCall(new EchoingCall<>(call, initial, trailing), headers);
  }

  private static final class EchoingCall<Q, R> extends ForwardingServerCall<Q, R> {
    private final String initial;
    private final List<byte[]> trailing;
    // Calls on a ServerCall are sequential but may come from different threads.
    private volatile boolean headersSent;

    EchoingCall(ServerCall<Q, R> delegate, String initial, List<byte[]> trailing) {
      super(delegate);
      this.initial = initial;
      this.trailing = trailing;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      headersSent = true;
      if (initial != null) {
        headers.add(ECHO_INITIAL_KEY, initial);
      }
      super.sendHeaders(headers);
    }

    @Override
    public void sendMessage(R message) {
      // Handlers need not send headers explicitly; make sure ours go out with the first message.
      if (!headersSent) {
        sendHeaders(new Metadata());
      }
      super.sendMessage(message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!headersSent && initial != null && !isCancelled()) {
        sendHeaders(new Metadata());
      }
      for (byte[] value : trailing) {
        trailers.addBinary(ECHO_TRAILING_KEY, value);
      }
      super.close(status, trailers);
    }
  }
}
