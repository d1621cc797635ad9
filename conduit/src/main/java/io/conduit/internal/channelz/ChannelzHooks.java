package io.conduit.internal.channelz;

import java.util.List;

/**
 * How channelz, which is a tracer on the runtime's stats hook, learns of the subchannels and
 * connections behind the channels and servers it counts: a {@code ChannelTracer.Factory} that is
 * also a {@link ChannelHook} is handed the channel's view when the channel is built, a
 * {@code ServerCallTracer.Factory} that is also a {@link ServerHook} the server's. Nothing here
 * runs on the call path.
 */
public final class ChannelzHooks {
  private ChannelzHooks() {}

  /** A channel's subchannels, any thread. */
  public interface ChannelView {
    List<SubchannelView> subchannels();
  }

  /** A server's accepted connections (HTTP/2 ones), by socket id, any thread. */
  public interface ServerView {
    List<SocketView> sockets();
  }

  public interface ChannelHook {
    void channelCreated(ChannelView channel);
  }

  public interface ServerHook {
    void serverCreated(ServerView server);
  }

  /** Hands {@code view} to each of {@code tracers} that is a {@link ChannelHook}. */
  public static void channelCreated(List<?> tracers, ChannelView view) {
    for (Object t : tracers) {
      if (t instanceof ChannelHook hook) {
        hook.channelCreated(view);
      }
    }
  }

  /** Hands {@code view} to each of {@code tracers} that is a {@link ServerHook}. */
  public static void serverCreated(List<?> tracers, ServerView view) {
    for (Object t : tracers) {
      if (t instanceof ServerHook hook) {
        hook.serverCreated(view);
      }
    }
  }
}
