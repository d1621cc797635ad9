package io.conduit.internal.netty;

/**
 * One accepted connection as its transport keeps it: HTTP/2 ({@link ServerConnectionHandler}) or
 * HTTP/1.1 (the web protocols). Counted against the connection cap until it has closed.
 */
public interface ServerConnection {
  /** Closes once in-flight calls finish; {@code now} closes at once, cancelling them. */
  void shutdown(boolean now);

  /** Runs {@code task} once the connection has closed and its calls have been cancelled. */
  void onClosed(Runnable task);
}
