package io.conduit.services.internal.channelz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.conduit.ConnectivityState;
import io.conduit.Server;
import io.conduit.Status;
import io.conduit.services.internal.channelz.ChannelzRegistry.ChannelEntry;
import io.conduit.services.internal.channelz.ChannelzRegistry.Page;
import io.conduit.services.internal.channelz.ChannelzRegistry.ServerEntry;
import io.conduit.services.internal.proto.channelz.v1.Address;
import io.conduit.services.internal.proto.channelz.v1.Channel;
import io.conduit.services.internal.proto.channelz.v1.ChannelConnectivityState;
import io.conduit.services.internal.proto.channelz.v1.ChannelData;
import io.conduit.services.internal.proto.channelz.v1.ChannelRef;
import io.conduit.services.internal.proto.channelz.v1.ChannelzRpc;
import io.conduit.services.internal.proto.channelz.v1.GetChannelRequest;
import io.conduit.services.internal.proto.channelz.v1.GetChannelResponse;
import io.conduit.services.internal.proto.channelz.v1.GetServerRequest;
import io.conduit.services.internal.proto.channelz.v1.GetServerResponse;
import io.conduit.services.internal.proto.channelz.v1.GetServerSocketsRequest;
import io.conduit.services.internal.proto.channelz.v1.GetServerSocketsResponse;
import io.conduit.services.internal.proto.channelz.v1.GetServersRequest;
import io.conduit.services.internal.proto.channelz.v1.GetServersResponse;
import io.conduit.services.internal.proto.channelz.v1.GetSocketRequest;
import io.conduit.services.internal.proto.channelz.v1.GetSocketResponse;
import io.conduit.services.internal.proto.channelz.v1.GetSubchannelRequest;
import io.conduit.services.internal.proto.channelz.v1.GetSubchannelResponse;
import io.conduit.services.internal.proto.channelz.v1.GetTopChannelsRequest;
import io.conduit.services.internal.proto.channelz.v1.GetTopChannelsResponse;
import io.conduit.services.internal.proto.channelz.v1.ServerData;
import io.conduit.services.internal.proto.channelz.v1.ServerRef;
import io.conduit.services.internal.proto.channelz.v1.Socket;
import io.conduit.services.internal.proto.channelz.v1.SocketRef;
import io.conduit.stub.ServerStreamObserver;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Instant;

/**
 * {@code grpc.channelz.v1.Channelz} over a {@link ChannelzRegistry}: the servers and channels it
 * lists with their call figures, a server's listening socket. Subchannels and the sockets of
 * connections are not tracked (the runtime does not count per connection yet): asking for one is
 * NOT_FOUND, and a server's socket list is empty.
 */
final class ChannelzService extends ChannelzRpc.Service {
  private static final int DEFAULT_PAGE = 100;

  private final ChannelzRegistry registry;
  private final ServerEntry self;

  ChannelzService(ChannelzRegistry registry, ServerEntry self) {
    this.registry = registry;
    this.self = self;
  }

  @Override
  public void onRegistered(Server server) {
    if (self.server != null && self.server != server) {
      throw new IllegalStateException("a channelz registration serves one server: call "
          + "Channelz.addTo for each server builder");
    }
    registry.serverBuilt(self, server);
  }

  private static int pageSize(long max) {
    return max <= 0 ? DEFAULT_PAGE : (int) Math.min(max, DEFAULT_PAGE);
  }

  @Override
  public void getTopChannels(GetTopChannelsRequest request,
      ServerStreamObserver<GetTopChannelsResponse> responses) {
    Page<ChannelEntry> page = registry.channels(request.getStartChannelId(), pageSize(request.getMaxResults()));
    GetTopChannelsResponse.Builder response = GetTopChannelsResponse.newBuilder().setEnd(page.end());
    page.entries().forEach(e -> response.addChannel(channel(e)));
    reply(responses, response.build());
  }

  @Override
  public void getChannel(GetChannelRequest request, ServerStreamObserver<GetChannelResponse> responses) {
    ChannelEntry e = registry.channel(request.getChannelId());
    if (e == null) {
      throw notFound("channel", request.getChannelId());
    }
    reply(responses, GetChannelResponse.newBuilder().setChannel(channel(e)).build());
  }

  @Override
  public void getServers(GetServersRequest request, ServerStreamObserver<GetServersResponse> responses) {
    Page<ServerEntry> page = registry.servers(request.getStartServerId(), pageSize(request.getMaxResults()));
    GetServersResponse.Builder response = GetServersResponse.newBuilder().setEnd(page.end());
    page.entries().forEach(e -> response.addServer(server(e)));
    reply(responses, response.build());
  }

  @Override
  public void getServer(GetServerRequest request, ServerStreamObserver<GetServerResponse> responses) {
    ServerEntry e = registry.server(request.getServerId());
    if (e == null) {
      throw notFound("server", request.getServerId());
    }
    reply(responses, GetServerResponse.newBuilder().setServer(server(e)).build());
  }

  @Override
  public void getServerSockets(GetServerSocketsRequest request,
      ServerStreamObserver<GetServerSocketsResponse> responses) {
    if (registry.server(request.getServerId()) == null) {
      throw notFound("server", request.getServerId());
    }
    // Connections are not tracked yet: an empty, complete list rather than a made-up one.
    reply(responses, GetServerSocketsResponse.newBuilder().setEnd(true).build());
  }

  @Override
  public void getSocket(GetSocketRequest request, ServerStreamObserver<GetSocketResponse> responses) {
    ServerEntry e = registry.serverListeningOn(request.getSocketId());
    if (e == null) {
      throw notFound("socket", request.getSocketId());
    }
    reply(responses, GetSocketResponse.newBuilder().setSocket(Socket.newBuilder()
        .setRef(listenSocketRef(e))
        .setLocal(address(e.server.localAddress()))).build());
  }

  @Override
  public void getSubchannel(GetSubchannelRequest request,
      ServerStreamObserver<GetSubchannelResponse> responses) {
    throw notFound("subchannel", request.getSubchannelId());
  }

  private static Channel channel(ChannelEntry e) {
    ChannelData.Builder data = ChannelData.newBuilder()
        .setState(ChannelConnectivityState.newBuilder().setState(state(e.channel.state(false))))
        .setTarget(e.target)
        .setCallsStarted(e.calls.callsStarted())
        .setCallsSucceeded(e.calls.callsSucceeded())
        .setCallsFailed(e.calls.callsFailed());
    Instant last = e.calls.lastStarted();
    if (last != null) {
      data.setLastCallStartedTimestamp(timestamp(last));
    }
    return Channel.newBuilder()
        .setRef(ChannelRef.newBuilder().setChannelId(e.id).setName(e.target))
        .setData(data)
        .build();
  }

  private static io.conduit.services.internal.proto.channelz.v1.Server server(ServerEntry e) {
    ServerData.Builder data = ServerData.newBuilder()
        .setCallsStarted(e.calls.callsStarted())
        .setCallsSucceeded(e.calls.callsSucceeded())
        .setCallsFailed(e.calls.callsFailed());
    Instant last = e.calls.lastStarted();
    if (last != null) {
      data.setLastCallStartedTimestamp(timestamp(last));
    }
    return io.conduit.services.internal.proto.channelz.v1.Server.newBuilder()
        .setRef(ServerRef.newBuilder().setServerId(e.id).setName(String.valueOf(e.server.localAddress())))
        .setData(data)
        .addListenSocket(listenSocketRef(e))
        .build();
  }

  private static SocketRef listenSocketRef(ServerEntry e) {
    return SocketRef.newBuilder().setSocketId(e.listenSocketId)
        .setName(String.valueOf(e.server.localAddress())).build();
  }

  static Address address(SocketAddress address) {
    if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return Address.newBuilder().setTcpipAddress(Address.TcpIpAddress.newBuilder()
          .setIpAddress(ByteString.copyFrom(inet.getAddress().getAddress()))
          .setPort(inet.getPort())).build();
    }
    if (address instanceof UnixDomainSocketAddress unix) {
      return Address.newBuilder().setUdsAddress(Address.UdsAddress.newBuilder()
          .setFilename(unix.getPath().toString())).build();
    }
    return Address.newBuilder().setOtherAddress(Address.OtherAddress.newBuilder()
        .setName(String.valueOf(address))).build();
  }

  private static ChannelConnectivityState.State state(ConnectivityState state) {
    return switch (state) {
      case IDLE -> ChannelConnectivityState.State.IDLE;
      case CONNECTING -> ChannelConnectivityState.State.CONNECTING;
      case READY -> ChannelConnectivityState.State.READY;
      case TRANSIENT_FAILURE -> ChannelConnectivityState.State.TRANSIENT_FAILURE;
      case SHUTDOWN -> ChannelConnectivityState.State.SHUTDOWN;
    };
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  private static RuntimeException notFound(String what, long id) {
    return Status.NOT_FOUND.withDescription("no " + what + " with id " + id).asException();
  }

  private static <T> void reply(ServerStreamObserver<T> responses, T response) {
    responses.onNext(response);
    responses.onCompleted();
  }
}
