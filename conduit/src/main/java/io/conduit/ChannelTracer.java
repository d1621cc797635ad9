package io.conduit;

import java.net.SocketAddress;

/**
 * Observes one channel: the hook that metrics and tracing backends (such as
 * {@code conduit-opentelemetry}) are built on. A channel built with a {@link Factory} asks it for
 * one tracer when it is built, then asks that tracer for a {@link ClientCallTracer} per call and
 * tells it about the connections its subchannels make and lose.
 *
 * <pre>{@code
 * Channel channel = Channel.builder("dns:///greeter:50051")
 *     .tracer(target -> new ChannelTracer() {
 *       public ClientCallTracer newCallTracer(MethodDescriptor<?, ?> method, CallOptions options) {
 *         return new MyCallTracer(target, method);
 *       }
 *     })
 *     .build();
 * }</pre>
 *
 * <p>A channel without tracers does none of this work. Callbacks run on the thread where the
 * event happens; they must be quick and must not block. What a tracer throws is logged and
 * otherwise ignored: a tracer never fails a call.
 */
public interface ChannelTracer {

  /** Makes the tracer of one channel. */
  @FunctionalInterface
  interface Factory {
    /**
     * Called once, when the channel is built.
     *
     * @param target the channel's target as a canonical URI ({@code dns:///host:443})
     * @return the tracer of this channel
     */
    ChannelTracer newChannelTracer(String target);
  }

  /**
   * A tracer for a call that is starting, on the thread that starts it, before anything is
   * sent; or {@code null} to leave the call untraced.
   *
   * @param method the call's method
   * @param options the call's options
   * @return the call's tracer, or {@code null}
   */
  ClientCallTracer newCallTracer(MethodDescriptor<?, ?> method, CallOptions options);

  /**
   * A connection to {@code address} is ready for calls.
   *
   * @param address the connection's remote address
   */
  default void connectionOpened(SocketAddress address) {}

  /**
   * A connection attempt to {@code address} failed ({@code reason} says why). An attempt
   * abandoned because its subchannel was shut down is reported neither way.
   *
   * @param address the address the attempt was made to
   * @param reason why the attempt failed
   */
  default void connectionFailed(SocketAddress address, Status reason) {}

  /**
   * A ready connection to {@code address} closed. {@code reason} is one of gRFC A94's
   * {@code grpc.disconnect_error} values: {@code "GOAWAY <HTTP/2 error code>"},
   * {@code "subchannel shutdown"}, {@code "connection reset"}, {@code "connection timed out"},
   * {@code "socket error"} or {@code "unknown"}.
   *
   * @param address the connection's remote address
   * @param reason why it closed, as described above
   */
  default void connectionClosed(SocketAddress address, String reason) {}
}
