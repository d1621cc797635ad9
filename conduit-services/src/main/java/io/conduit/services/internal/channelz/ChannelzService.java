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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import io.conduit.internal.channelz.SocketFigures;
import io.conduit.internal.channelz.SocketView;
import io.conduit.internal.channelz.SubchannelView;
import io.conduit.services.internal.proto.channelz.v1.Security;
import io.conduit.services.internal.proto.channelz.v1.SocketData;
import io.conduit.services.internal.proto.channelz.v1.Subchannel;
import io.conduit.services.internal.proto.channelz.v1.SubchannelRef;

/**
 * {@code grpc.channelz.v1.Channelz} over a {@link ChannelzRegistry}: the servers and channels it
 * lists with their call figures, their subchannels, and the sockets of their connections with the
 * figures the transport counts. A subchannel's calls are its connections' streams, those of the
 * ones that have closed included. A socket's figures are taken on its event loop, so the answers
 * that need them are sent from there.
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
    ServerEntry e = registry.server(request.getServerId());
    if (e == null) {
      throw notFound("server", request.getServerId());
    }
    int max = pageSize(request.getMaxResults());
    GetServerSocketsResponse.Builder response = GetServerSocketsResponse.newBuilder().setEnd(true);
    for (SocketView s : ChannelzRegistry.sockets(e)) {
      if (s.socketId() < request.getStartSocketId()) {
        continue;
      }
      if (response.getSocketRefCount() == max) {
        response.setEnd(false);
        break;
      }
      response.addSocketRef(socketRef(s));
    }
    reply(responses, response.build());
  }

  @Override
  public void getSocket(GetSocketRequest request, ServerStreamObserver<GetSocketResponse> responses) {
    SocketView open = registry.socket(request.getSocketId());
    if (open != null) {
      open.figures().whenComplete((figures, failure) -> answer(responses, failure,
          () -> GetSocketResponse.newBuilder().setSocket(socket(open, figures)).build()));
      return;
    }
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
    SubchannelView sc = registry.subchannel(request.getSubchannelId());
    if (sc == null) {
      throw notFound("subchannel", request.getSubchannelId());
    }
    List<SocketView> sockets = sc.sockets();
    List<CompletableFuture<SocketFigures>> figures = new ArrayList<>();
    sockets.forEach(s -> figures.add(s.figures()));
    // Read before the open ones' figures arrive: a socket that closes meanwhile may count twice
    // rather than not at all.
    SocketFigures closed = sc.closedSockets();
    CompletableFuture.allOf(figures.toArray(CompletableFuture[]::new)).whenComplete(
        (ignored, failure) -> answer(responses, failure, () -> {
          SocketFigures sum = closed;
          for (CompletableFuture<SocketFigures> f : figures) {
            sum = f.join().plus(sum);
          }
          return GetSubchannelResponse.newBuilder().setSubchannel(subchannel(sc, sockets, sum)).build();
        }));
  }

  /**
   * Answers once the figures are in, from the thread that took them: whatever fails there
   * (taking or reading them) becomes an INTERNAL status rather than a call left unanswered.
   */
  private static <T> void answer(ServerStreamObserver<T> responses, Throwable failure,
      java.util.function.Supplier<T> response) {
    T built;
    try {
      if (failure != null) {
        throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
      }
      built = response.get();
    } catch (RuntimeException e) {
      responses.onError(Status.INTERNAL.withDescription("socket figures: " + e).withCause(e).asException());
      return;
    }
    reply(responses, built);
  }

  private Subchannel subchannel(SubchannelView sc, List<SocketView> sockets, SocketFigures sum) {
    ChannelData.Builder data = ChannelData.newBuilder()
        .setState(ChannelConnectivityState.newBuilder().setState(state(sc.state())))
        .setTarget(String.valueOf(sc.address()))
        .setCallsStarted(sum.streamsStarted())
        .setCallsSucceeded(sum.streamsSucceeded())
        .setCallsFailed(sum.streamsFailed());
    if (sum.lastLocalStreamCreatedNanos() != 0) {
      data.setLastCallStartedTimestamp(timestamp(sum, sum.lastLocalStreamCreatedNanos()));
    }
    Subchannel.Builder b = Subchannel.newBuilder().setRef(subchannelRef(sc)).setData(data);
    sockets.forEach(s -> b.addSocketRef(socketRef(s)));
    return b.build();
  }

  private Socket socket(SocketView s, SocketFigures f) {
    SocketData.Builder data = SocketData.newBuilder()
        .setStreamsStarted(f.streamsStarted())
        .setStreamsSucceeded(f.streamsSucceeded())
        .setStreamsFailed(f.streamsFailed())
        .setMessagesSent(f.messagesSent())
        .setMessagesReceived(f.messagesReceived())
        .setKeepAlivesSent(f.keepAlivesSent());
    if (f.lastLocalStreamCreatedNanos() != 0) {
      data.setLastLocalStreamCreatedTimestamp(timestamp(f, f.lastLocalStreamCreatedNanos()));
    }
    if (f.lastRemoteStreamCreatedNanos() != 0) {
      data.setLastRemoteStreamCreatedTimestamp(timestamp(f, f.lastRemoteStreamCreatedNanos()));
    }
    if (f.lastMessageSentNanos() != 0) {
      data.setLastMessageSentTimestamp(timestamp(f, f.lastMessageSentNanos()));
    }
    if (f.lastMessageReceivedNanos() != 0) {
      data.setLastMessageReceivedTimestamp(timestamp(f, f.lastMessageReceivedNanos()));
    }
    if (f.localWindow() >= 0) {
      data.setLocalFlowControlWindow(com.google.protobuf.Int64Value.of(f.localWindow()));
    }
    if (f.remoteWindow() >= 0) {
      data.setRemoteFlowControlWindow(com.google.protobuf.Int64Value.of(f.remoteWindow()));
    }
    Socket.Builder b = Socket.newBuilder().setRef(socketRef(s)).setData(data);
    if (s.localAddress() != null) {
      b.setLocal(address(s.localAddress()));
    }
    if (s.remoteAddress() != null) {
      b.setRemote(address(s.remoteAddress()));
    }
    if (f.tls() != null) {
      Security.Tls.Builder tls = Security.Tls.newBuilder().setStandardName(f.tls().cipherSuite());
      if (f.tls().localCertificate() != null) {
        tls.setLocalCertificate(ByteString.copyFrom(f.tls().localCertificate()));
      }
      if (f.tls().remoteCertificate() != null) {
        tls.setRemoteCertificate(ByteString.copyFrom(f.tls().remoteCertificate()));
      }
      b.setSecurity(Security.newBuilder().setTls(tls));
    }
    return b.build();
  }

  /** A clock reading of {@code f}'s connection, dated by channelz's time. */
  private Timestamp timestamp(SocketFigures f, long nanos) {
    return timestamp(registry.time().instant().minusNanos(f.nowNanos() - nanos));
  }

  private static SubchannelRef subchannelRef(SubchannelView sc) {
    return SubchannelRef.newBuilder().setSubchannelId(sc.subchannelId())
        .setName(String.valueOf(sc.address())).build();
  }

  private static SocketRef socketRef(SocketView s) {
    return SocketRef.newBuilder().setSocketId(s.socketId())
        .setName(s.localAddress() + " -> " + s.remoteAddress()).build();
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
    Channel.Builder channel = Channel.newBuilder()
        .setRef(ChannelRef.newBuilder().setChannelId(e.id).setName(e.target))
        .setData(data);
    ChannelzRegistry.subchannels(e).forEach(sc -> channel.addSubchannelRef(subchannelRef(sc)));
    return channel.build();
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
