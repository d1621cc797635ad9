package io.conduit.services.internal.channelz;

import io.conduit.Channel;
import io.conduit.ChannelTracer;
import io.conduit.RpcService;
import io.conduit.Server;
import io.conduit.ServerCallTracer;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import io.conduit.internal.channelz.ChannelzHooks;
import io.conduit.internal.channelz.ChannelzIds;
import io.conduit.internal.channelz.SocketView;
import io.conduit.internal.channelz.SubchannelView;

/**
 * The channels and servers channelz reports, by id (one id space, as in gRPC's channelz), each
 * with its call counter. An entry is listed once its channel or server is built and goes once it
 * has terminated.
 */
public final class ChannelzRegistry {
  /** A server: its counter, the id of its listening socket, and the server once built. */
  static final class ServerEntry {
    final long id;
    final long listenSocketId;
    final CallCounter calls;
    volatile Server server;
    /** Its connections, told by the runtime when the server is built. */
    volatile ChannelzHooks.ServerView view;

    ServerEntry(long id, long listenSocketId, CallCounter calls) {
      this.id = id;
      this.listenSocketId = listenSocketId;
      this.calls = calls;
    }

    boolean live() {
      return server != null && !server.isTerminated();
    }
  }

  /** A channel: its counter, its target (a canonical URI), and the channel once built. */
  static final class ChannelEntry {
    final long id;
    final CallCounter calls;
    volatile Channel channel;
    volatile String target;
    /** Its subchannels, told by the runtime when the channel is built. */
    volatile ChannelzHooks.ChannelView view;

    ChannelEntry(long id, CallCounter calls) {
      this.id = id;
      this.calls = calls;
    }

    boolean live() {
      return channel != null && !channel.isTerminated();
    }
  }

  /** What a server builder gets: the tracer that counts its calls and the channelz service. */
  public record ServerRegistration(ServerCallTracer.Factory tracer, RpcService service) {}

  /** What a channel builder gets: the tracer that counts its calls, and a handle for {@link #channelBuilt}. */
  public record ChannelRegistration(ChannelTracer.Factory tracer, Object handle) {}

  /** A page of entries from a start id, and whether it is the last. */
  record Page<E>(List<E> entries, boolean end) {}

  private final InstantSource time;
  private final ConcurrentSkipListMap<Long, ServerEntry> servers = new ConcurrentSkipListMap<>();
  private final ConcurrentSkipListMap<Long, ChannelEntry> channels = new ConcurrentSkipListMap<>();

  public ChannelzRegistry(InstantSource time) {
    this.time = time;
  }

  /** A server to be: listed once the service's {@code onRegistered} tells which server it is. */
  public ServerRegistration newServer() {
    ServerEntry entry = new ServerEntry(ChannelzIds.next(), ChannelzIds.next(), new CallCounter(time));
    return new ServerRegistration(new CountingServerTracer(entry),
        new ChannelzService(this, entry));
  }

  void serverBuilt(ServerEntry entry, Server server) {
    entry.server = server;
    servers.put(entry.id, entry);
  }

  /** A channel to be: listed once built. */
  public ChannelRegistration newChannel() {
    ChannelEntry entry = new ChannelEntry(ChannelzIds.next(), new CallCounter(time));
    return new ChannelRegistration(new CountingChannelTracer(entry), entry);
  }

  /** Lists the channel; its tracer has learnt its target as it was built. */
  public void channelBuilt(Object handle, Channel channel) {
    ChannelEntry entry = (ChannelEntry) handle;
    entry.channel = channel;
    channels.put(entry.id, entry);
  }

  Page<ServerEntry> servers(long start, int max) {
    servers.values().removeIf(e -> !e.live());
    return page(servers, start, max);
  }

  ServerEntry server(long id) {
    ServerEntry e = servers.get(id);
    return e != null && e.live() ? e : null;
  }

  /** The server whose listening socket has this id, or {@code null}. */
  ServerEntry serverListeningOn(long socketId) {
    for (ServerEntry e : servers.values()) {
      if (e.listenSocketId == socketId && e.live()) {
        return e;
      }
    }
    return null;
  }

  Page<ChannelEntry> channels(long start, int max) {
    channels.values().removeIf(e -> !e.live());
    return page(channels, start, max);
  }

  ChannelEntry channel(long id) {
    ChannelEntry e = channels.get(id);
    return e != null && e.live() ? e : null;
  }

  /** Dates the figures' clock readings. */
  InstantSource time() {
    return time;
  }

  /** A subchannel of a listed channel, or {@code null}. */
  SubchannelView subchannel(long id) {
    for (ChannelEntry e : channels.values()) {
      for (SubchannelView sc : subchannels(e)) {
        if (sc.subchannelId() == id && e.live()) {
          return sc;
        }
      }
    }
    return null;
  }

  static List<SubchannelView> subchannels(ChannelEntry e) {
    ChannelzHooks.ChannelView view = e.view;
    return view == null ? List.of() : view.subchannels();
  }

  static List<SocketView> sockets(ServerEntry e) {
    ChannelzHooks.ServerView view = e.view;
    return view == null ? List.of() : view.sockets();
  }

  /** An open connection of a listed channel or server, or {@code null}. */
  SocketView socket(long id) {
    for (ChannelEntry e : channels.values()) {
      for (SubchannelView sc : subchannels(e)) {
        for (SocketView s : sc.sockets()) {
          if (s.socketId() == id && e.live()) {
            return s;
          }
        }
      }
    }
    for (ServerEntry e : servers.values()) {
      for (SocketView s : sockets(e)) {
        if (s.socketId() == id && e.live()) {
          return s;
        }
      }
    }
    return null;
  }

  private static <E> Page<E> page(ConcurrentSkipListMap<Long, E> map, long start, int max) {
    List<E> page = new ArrayList<>();
    for (E e : map.tailMap(start, true).values()) {
      if (page.size() == max) {
        return new Page<>(page, false);
      }
      page.add(e);
    }
    return new Page<>(page, true);
  }
}
