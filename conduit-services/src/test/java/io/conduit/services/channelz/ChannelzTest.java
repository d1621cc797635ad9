package io.conduit.services.channelz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.services.internal.proto.channelz.v1.ChannelConnectivityState;
import io.conduit.services.internal.proto.channelz.v1.ChannelzRpc;
import io.conduit.services.internal.proto.channelz.v1.GetChannelRequest;
import io.conduit.services.internal.proto.channelz.v1.GetServerRequest;
import io.conduit.services.internal.proto.channelz.v1.GetServerSocketsRequest;
import io.conduit.services.internal.proto.channelz.v1.GetServersRequest;
import io.conduit.services.internal.proto.channelz.v1.GetSocketRequest;
import io.conduit.services.internal.proto.channelz.v1.GetSubchannelRequest;
import io.conduit.services.internal.proto.channelz.v1.GetTopChannelsRequest;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Channelz's figures after a known sequence of calls: N that succeed, M that fail, a reconnect. */
@Timeout(30)
class ChannelzTest {
  private static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  private static final MethodDescriptor<String, String> CALL =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Calls/Call", STRING, STRING);

  private static final MethodDescriptor<String, String> MISSING =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Calls/Missing", STRING, STRING);

  /** Answers "ok", fails with ABORTED for "fail". */
  private static ServiceDefinition calls() {
    return ServiceDefinition.builder("test.Calls")
        .method(CALL, ServerCalls.unary((request, out) -> {
          if (request.equals("fail")) {
            throw Status.ABORTED.withDescription("asked to fail").asException();
          }
          out.onNext("ok");
          out.onCompleted();
        }))
        .build();
  }

  @Test
  void countsCallsPerChannelAndServer() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-02T03:04:05Z"));
    Channelz channelz = Channelz.create(now::get);
    Server.Builder measured = Server.builder().bind("127.0.0.1", 0).service(calls());
    channelz.addTo(measured);
    // Channelz is asked on a server of its own, so that the questions do not count on the first.
    Server.Builder admin = Server.builder().bind("127.0.0.1", 0);
    channelz.addTo(admin);
    try (Server server = measured.build().start();
        Server adminServer = admin.build().start();
        Channel channel = channelz.track(Channel.forAddress("127.0.0.1", server.port()).plaintext());
        Channel toAdmin = Channel.forAddress("127.0.0.1", adminServer.port()).plaintext().build()) {
      int ok = 3;
      int failed = 3;
      for (int i = 0; i < ok; i++) {
        assertThat(ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "hi")).isEqualTo("ok");
      }
      now.set(Instant.parse("2026-01-02T03:04:06Z"));
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "fail"))
            .isInstanceOf(StatusException.class);
      }
      // A method the server lacks fails too, and counts on both sides.
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, MISSING, CallOptions.DEFAULT, "x"))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
      ChannelzRpc.BlockingClient cz = ChannelzRpc.newBlockingClient(toAdmin);

      var channels = cz.getTopChannels(GetTopChannelsRequest.getDefaultInstance());
      assertThat(channels.getEnd()).isTrue();
      assertThat(channels.getChannelList()).hasSize(1);
      var data = channels.getChannel(0).getData();
      assertThat(data.getTarget()).endsWith("127.0.0.1:" + server.port());
      assertThat(data.getState().getState()).isEqualTo(ChannelConnectivityState.State.READY);
      assertThat(data.getCallsStarted()).isEqualTo(ok + failed);
      assertThat(data.getCallsSucceeded()).isEqualTo(ok);
      assertThat(data.getCallsFailed()).isEqualTo(failed);
      assertThat(data.getLastCallStartedTimestamp().getSeconds())
          .isEqualTo(Instant.parse("2026-01-02T03:04:06Z").getEpochSecond());
      long channelId = channels.getChannel(0).getRef().getChannelId();
      assertThat(cz.getChannel(GetChannelRequest.newBuilder().setChannelId(channelId).build())
          .getChannel().getData().getCallsFailed()).isEqualTo(failed);

      var servers = cz.getServers(GetServersRequest.getDefaultInstance()).getServerList();
      assertThat(servers).hasSize(2);
      var measuredServer = servers.get(0);
      assertThat(measuredServer.getData().getCallsStarted()).isEqualTo(ok + failed);
      assertThat(measuredServer.getData().getCallsSucceeded()).isEqualTo(ok);
      assertThat(measuredServer.getData().getCallsFailed()).isEqualTo(failed);
      long serverId = measuredServer.getRef().getServerId();
      assertThat(cz.getServer(GetServerRequest.newBuilder().setServerId(serverId).build())
          .getServer().getData().getCallsSucceeded()).isEqualTo(ok);
      // The questions so far count on the admin server: the one in flight has started only.
      assertThat(servers.get(1).getData().getCallsStarted()).isEqualTo(3);
      assertThat(servers.get(1).getData().getCallsSucceeded()).isEqualTo(2);

      long listenSocket = measuredServer.getListenSocket(0).getSocketId();
      var socket = cz.getSocket(GetSocketRequest.newBuilder().setSocketId(listenSocket).build()).getSocket();
      assertThat(socket.getLocal().getTcpipAddress().getPort()).isEqualTo(server.port());
      assertThat(cz.getServerSockets(GetServerSocketsRequest.newBuilder().setServerId(serverId).build())
          .getEnd()).isTrue();

      // Paging: one server per page.
      var first = cz.getServers(GetServersRequest.newBuilder().setMaxResults(1).build());
      assertThat(first.getServerList()).hasSize(1);
      assertThat(first.getEnd()).isFalse();

      for (Runnable unknown : new Runnable[] {
          () -> cz.getServer(GetServerRequest.newBuilder().setServerId(Long.MAX_VALUE).build()),
          () -> cz.getChannel(GetChannelRequest.newBuilder().setChannelId(Long.MAX_VALUE).build()),
          () -> cz.getSocket(GetSocketRequest.newBuilder().setSocketId(Long.MAX_VALUE).build()),
          () -> cz.getSubchannel(GetSubchannelRequest.newBuilder().setSubchannelId(Long.MAX_VALUE).build())}) {
        assertThatThrownBy(unknown::run).isInstanceOfSatisfying(StatusException.class,
            e -> assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND));
      }
    }
  }

  @Test
  void aChannelKeepsCountingAcrossAReconnect() throws Exception {
    Channelz channelz = Channelz.create(Instant::now);
    Server.Builder admin = Server.builder().bind("127.0.0.1", 0);
    channelz.addTo(admin);
    Server first = Server.builder().bind("127.0.0.1", 0).service(calls()).build().start();
    int port = first.port();
    try (Server adminServer = admin.build().start();
        Channel toAdmin = Channel.forAddress("127.0.0.1", adminServer.port()).plaintext().build();
        Channel channel = channelz.track(Channel.forAddress("127.0.0.1", port).plaintext())) {
      assertThat(ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "hi")).isEqualTo("ok");
      first.close();
      // The backend comes back on the same port; a wait-for-ready call rides out the reconnect.
      try (Server second = Server.builder().bind("127.0.0.1", port).service(calls()).build().start()) {
        assertThat(second.port()).isEqualTo(port);
        CallOptions waiting = CallOptions.DEFAULT.withWaitForReady(true)
            .withTimeout(java.time.Duration.ofSeconds(20));
        assertThat(ClientCalls.blockingUnary(channel, CALL, waiting, "hi")).isEqualTo("ok");
        var data = ChannelzRpc.newBlockingClient(toAdmin)
            .getTopChannels(GetTopChannelsRequest.getDefaultInstance()).getChannel(0).getData();
        assertThat(data.getCallsStarted()).isEqualTo(2);
        assertThat(data.getCallsSucceeded()).isEqualTo(2);
        assertThat(data.getState().getState()).isEqualTo(ChannelConnectivityState.State.READY);
      }
    }
  }

  @Test
  void terminatedServersAndChannelsAreNoLongerListed() {
    Channelz channelz = Channelz.create(Instant::now);
    Server.Builder admin = Server.builder().bind("127.0.0.1", 0);
    channelz.addTo(admin);
    Server.Builder gone = Server.builder().bind("127.0.0.1", 0);
    channelz.addTo(gone);
    try (Server adminServer = admin.build().start();
        Channel toAdmin = Channel.forAddress("127.0.0.1", adminServer.port()).plaintext().build()) {
      Server goneServer = gone.build().start();
      Channel goneChannel = channelz.track(Channel.forAddress("127.0.0.1", goneServer.port()).plaintext());
      ChannelzRpc.BlockingClient cz = ChannelzRpc.newBlockingClient(toAdmin);
      assertThat(cz.getServers(GetServersRequest.getDefaultInstance()).getServerCount()).isEqualTo(2);
      assertThat(cz.getTopChannels(GetTopChannelsRequest.getDefaultInstance()).getChannelCount()).isEqualTo(1);

      goneChannel.close();
      goneServer.close();

      assertThat(cz.getServers(GetServersRequest.getDefaultInstance()).getServerCount()).isEqualTo(1);
      assertThat(cz.getTopChannels(GetTopChannelsRequest.getDefaultInstance()).getChannelCount()).isZero();
    }
  }
}
