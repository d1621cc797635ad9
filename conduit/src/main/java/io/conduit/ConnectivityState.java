package io.conduit;

/**
 * The state of a subchannel or of a whole channel (doc/connectivity-semantics-and-api.md).
 */
public enum ConnectivityState {
  /** No connection and none being made; the next call (or a request) starts one. */
  IDLE,
  /** Connecting (TCP, then HTTP/2 settings). */
  CONNECTING,
  /** Connected and able to carry calls. */
  READY,
  /** The last attempt failed; the next one waits for its backoff. */
  TRANSIENT_FAILURE,
  /** Shut down for good. */
  SHUTDOWN
}
