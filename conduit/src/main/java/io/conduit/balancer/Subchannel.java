package io.conduit.balancer;

import io.conduit.ConnectivityState;
import java.net.SocketAddress;

/**
 * A logical connection to one backend address, created by a {@link LoadBalancer} through its
 * {@link LoadBalancer.Helper}. It connects when asked, reconnects with exponential backoff after
 * a failure, and reports each state change to its listener (on the synchronization context).
 */
public interface Subchannel {

  /** Receives the subchannel's state changes. */
  @FunctionalInterface
  interface StateListener {
    /**
     * Called when the subchannel's state changes; {@code failure} is set with TRANSIENT_FAILURE.
     *
     * @param state the new state
     * @param failure why it failed, or {@code null}
     */
    void onStateChange(ConnectivityState state, io.conduit.Status failure);
  }

  /** {@return the address this subchannel connects to} */
  SocketAddress address();

  /**
   * Starts delivering state changes; call once, before anything else.
   *
   * @param listener receives the state changes
   */
  void start(StateListener listener);

  /** Connects if IDLE. */
  void requestConnection();

  /** Closes the subchannel: in-flight calls finish, then its connections close. */
  void shutdown();

  /** {@return the current state} */
  ConnectivityState state();

  /**
   * A call on this subchannel's connection, outside the channel's balancing: for the streams a
   * policy keeps with each backend (out-of-band load reports, gRFC A51). It fails UNAVAILABLE
   * when it starts while the subchannel is not READY, and when that connection goes away; its
   * callbacks run on the synchronization context, so they must be quick.
   *
   * @param <Q> the request type
   * @param <R> the response type
   * @param method the method to call
   * @param options the call's options
   * @return the call, not started
   */
  default <Q, R> io.conduit.ClientCall<Q, R> newCall(io.conduit.MethodDescriptor<Q, R> method,
      io.conduit.CallOptions options) {
    throw new UnsupportedOperationException(getClass().getName() + " does not make calls");
  }
}
