package io.conduit.internal.channelz;

import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/** One open connection as channelz sees it. Any thread. */
public interface SocketView {
  long socketId();

  /** This side's address, or null before the connection is made. */
  SocketAddress localAddress();

  /** The peer's address, or null before the connection is made. */
  SocketAddress remoteAddress();

  /** Its figures, taken on its event loop (at once, with the last counts, once it has closed). */
  CompletableFuture<SocketFigures> figures();
}
