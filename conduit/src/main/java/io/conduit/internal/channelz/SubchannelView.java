package io.conduit.internal.channelz;

import io.conduit.ConnectivityState;
import java.net.SocketAddress;
import java.util.List;

/**
 * A subchannel as channelz sees it. Its calls are its connections' streams: those of the open
 * ones ({@link #sockets}) plus {@link #closedSockets}, the sum over the ones that have closed.
 * Any thread.
 */
public interface SubchannelView {
  long subchannelId();

  SocketAddress address();

  ConnectivityState state();

  /** Its open connections (none while IDLE or connecting). */
  List<SocketView> sockets();

  /** The summed figures of its connections that have closed. */
  SocketFigures closedSockets();
}
