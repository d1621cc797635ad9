package io.conduit.services.channelz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ChannelTls;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServerTls;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.services.internal.proto.channelz.v1.ChannelConnectivityState;
import io.conduit.services.internal.proto.channelz.v1.ChannelzRpc;
import io.conduit.services.internal.proto.channelz.v1.GetChannelRequest;
import io.conduit.services.internal.proto.channelz.v1.GetServerSocketsRequest;
import io.conduit.services.internal.proto.channelz.v1.GetServerSocketsResponse;
import io.conduit.services.internal.proto.channelz.v1.GetServersRequest;
import io.conduit.services.internal.proto.channelz.v1.GetSocketRequest;
import io.conduit.services.internal.proto.channelz.v1.GetSubchannelRequest;
import io.conduit.services.internal.proto.channelz.v1.GetTopChannelsRequest;
import io.conduit.services.internal.proto.channelz.v1.Socket;
import io.conduit.services.internal.proto.channelz.v1.SocketRef;
import io.conduit.services.internal.proto.channelz.v1.Subchannel;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.Await;
import io.conduit.testing.FakeClock;
import io.conduit.testing.TestCerts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Channelz's subchannels and sockets after a known sequence of calls: N that succeed, M that
 * fail, and a reconnect when the server closes an idle connection. Times are on a fake clock, and
 * channelz dates them by the same clock, so every figure is exact.
 */
@Timeout(60)
class ChannelzSocketsTest {
  private static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  private static final MethodDescriptor<String, String> CALL =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Calls/Call", STRING, STRING);
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** Answers "ok", fails with ABORTED for "fail" (after reading the request). */
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

  /** Channelz's time: the fake clock's reading as nanoseconds after the epoch. */
  private static InstantSource timeOf(FakeClock clock) {
    return () -> Instant.EPOCH.plusNanos(clock.nanoTime());
  }

  private static Timestamp at(long nanos) {
    return Timestamp.newBuilder().setSeconds(nanos / 1_000_000_000L)
        .setNanos((int) (nanos % 1_000_000_000L)).build();
  }

  private static Subchannel subchannel(ChannelzRpc.BlockingClient cz, long id) {
    return cz.getSubchannel(GetSubchannelRequest.newBuilder().setSubchannelId(id).build()).getSubchannel();
  }

  private static Socket socket(ChannelzRpc.BlockingClient cz, long id) {
    return cz.getSocket(GetSocketRequest.newBuilder().setSocketId(id).build()).getSocket();
  }

  private static GetServerSocketsResponse serverSockets(ChannelzRpc.BlockingClient cz, long serverId) {
    return cz.getServerSockets(GetServerSocketsRequest.newBuilder().setServerId(serverId).build());
  }

  private static void assertNotFound(Runnable call) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusException.class,
        e -> assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void subchannelAndSocketFiguresAfterOkAndFailedCallsAndAReconnect() throws Exception {
    FakeClock clock = new FakeClock();
    Channelz channelz = Channelz.create(timeOf(clock));
    Server.Builder measured = Server.builder().bind("127.0.0.1", 0).service(calls()).clock(clock)
        .maxConnectionIdle(Duration.ofMinutes(2));
    channelz.addTo(measured);
    // Channelz is asked on a server of its own, so that the questions are not on the sockets measured.
    Server.Builder admin = Server.builder().bind("127.0.0.1", 0);
    channelz.addTo(admin);
    try (Server server = measured.build().start();
        Server adminServer = admin.build().start();
        Channel channel = channelz.track(
            Channel.forAddress("127.0.0.1", server.port()).plaintext().clock(clock));
        Channel toAdmin = Channel.forAddress("127.0.0.1", adminServer.port()).plaintext().build()) {
      ChannelzRpc.BlockingClient cz = ChannelzRpc.newBlockingClient(toAdmin);
      int ok = 3;
      int failed = 2;
      long okTime = clock.nanoTime();
      for (int i = 0; i < ok; i++) {
        assertThat(ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "hi")).isEqualTo("ok");
      }
      // A look before the clock moves: the transport dates events once per read, and the last
      // answer's read may still be completing; this look dates it now (at the ok calls' time).
      long firstSubchannel = cz.getTopChannels(GetTopChannelsRequest.getDefaultInstance())
          .getChannel(0).getSubchannelRef(0).getSubchannelId();
      var early = socket(cz, subchannel(cz, firstSubchannel).getSocketRef(0).getSocketId()).getData();
      assertThat(List.of(early.getStreamsSucceeded(), early.getMessagesReceived())).containsExactly(3L, 3L);
      assertThat(early.getLastMessageReceivedTimestamp()).isEqualTo(at(okTime));
      clock.advance(Duration.ofSeconds(1));
      long failTime = clock.nanoTime();
      for (int i = 0; i < failed; i++) {
        assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "fail"))
            .isInstanceOf(StatusException.class);
      }

      // The channel lists its one subchannel; the subchannel its one socket.
      var top = cz.getTopChannels(GetTopChannelsRequest.getDefaultInstance());
      assertThat(top.getChannelList()).hasSize(1);
      long channelId = top.getChannel(0).getRef().getChannelId();
      assertThat(top.getChannel(0).getSubchannelRefList()).hasSize(1);
      long subchannelId = top.getChannel(0).getSubchannelRef(0).getSubchannelId();
      Subchannel sc = subchannel(cz, subchannelId);
      assertThat(sc.getData().getState().getState()).isEqualTo(ChannelConnectivityState.State.READY);
      assertThat(sc.getData().getTarget()).endsWith("127.0.0.1:" + server.port());
      assertThat(sc.getData().getCallsStarted()).isEqualTo(ok + failed);
      assertThat(sc.getData().getCallsSucceeded()).isEqualTo(ok);
      assertThat(sc.getData().getCallsFailed()).isEqualTo(failed);
      assertThat(sc.getData().getLastCallStartedTimestamp()).isEqualTo(at(failTime));
      assertThat(sc.getSocketRefList()).hasSize(1);
      long clientSocketId = sc.getSocketRef(0).getSocketId();

      Socket client = socket(cz, clientSocketId);
      var c = client.getData();
      assertThat(c.getStreamsStarted()).isEqualTo(ok + failed);
      assertThat(c.getStreamsSucceeded()).isEqualTo(ok);
      assertThat(c.getStreamsFailed()).isEqualTo(failed);
      assertThat(c.getMessagesSent()).isEqualTo(ok + failed);
      assertThat(c.getMessagesReceived()).isEqualTo(ok);
      assertThat(c.getKeepAlivesSent()).isZero();
      assertThat(c.getLastLocalStreamCreatedTimestamp()).isEqualTo(at(failTime));
      assertThat(c.hasLastRemoteStreamCreatedTimestamp()).isFalse();
      assertThat(c.getLastMessageSentTimestamp()).isEqualTo(at(failTime));
      assertThat(c.getLastMessageReceivedTimestamp()).isEqualTo(at(okTime));
      assertThat(c.getLocalFlowControlWindow().getValue()).isPositive();
      assertThat(c.getRemoteFlowControlWindow().getValue()).isPositive();
      assertThat(client.getRemote().getTcpipAddress().getPort()).isEqualTo(server.port());
      assertThat(client.hasSecurity()).isFalse();
      int clientPort = client.getLocal().getTcpipAddress().getPort();

      // The server's side of the same connection.
      long serverId = cz.getServers(GetServersRequest.getDefaultInstance()).getServerList().stream()
          .filter(s -> s.getData().getCallsStarted() == ok + failed).findFirst().orElseThrow()
          .getRef().getServerId();
      GetServerSocketsResponse sockets = serverSockets(cz, serverId);
      assertThat(sockets.getEnd()).isTrue();
      assertThat(sockets.getSocketRefList()).hasSize(1);
      long serverSocketId = sockets.getSocketRef(0).getSocketId();
      Socket serverSide = socket(cz, serverSocketId);
      var s = serverSide.getData();
      assertThat(s.getStreamsStarted()).isEqualTo(ok + failed);
      assertThat(s.getStreamsSucceeded()).isEqualTo(ok);
      assertThat(s.getStreamsFailed()).isEqualTo(failed);
      assertThat(s.getMessagesReceived()).isEqualTo(ok + failed);
      assertThat(s.getMessagesSent()).isEqualTo(ok);
      assertThat(s.getLastRemoteStreamCreatedTimestamp()).isEqualTo(at(failTime));
      assertThat(s.hasLastLocalStreamCreatedTimestamp()).isFalse();
      assertThat(s.getLastMessageReceivedTimestamp()).isEqualTo(at(failTime));
      assertThat(s.getLastMessageSentTimestamp()).isEqualTo(at(okTime));
      assertThat(serverSide.getRemote().getTcpipAddress().getPort()).isEqualTo(clientPort);
      assertThat(serverSide.getLocal().getTcpipAddress().getPort()).isEqualTo(server.port());

      // Paging over a second connection to the server (a channel channelz does not track).
      try (Channel other = Channel.forAddress("127.0.0.1", server.port()).plaintext().clock(clock).build()) {
        assertThat(ClientCalls.blockingUnary(other, CALL, CallOptions.DEFAULT, "hi")).isEqualTo("ok");
        GetServerSocketsResponse page = cz.getServerSockets(GetServerSocketsRequest.newBuilder()
            .setServerId(serverId).setMaxResults(1).build());
        assertThat(page.getSocketRefList()).extracting(SocketRef::getSocketId).containsExactly(serverSocketId);
        assertThat(page.getEnd()).isFalse();
        GetServerSocketsResponse rest = cz.getServerSockets(GetServerSocketsRequest.newBuilder()
            .setServerId(serverId).setStartSocketId(serverSocketId + 1).setMaxResults(1).build());
        assertThat(rest.getSocketRefList()).hasSize(1);
        assertThat(rest.getSocketRef(0).getSocketId()).isGreaterThan(serverSocketId);
        assertThat(rest.getEnd()).isTrue();
      }
      Await.until("the other channel's connection to close", WAIT,
          () -> serverSockets(cz, serverId).getSocketRefCount() == 1);

      // The server closes the idle connection; the channel reconnects for the next call.
      clock.advance(Duration.ofMinutes(2));
      Await.until("the server to close the idle connection", WAIT,
          () -> serverSockets(cz, serverId).getSocketRefCount() == 0
              && subchannel(cz, subchannelId).getSocketRefCount() == 0);
      long againTime = clock.nanoTime();
      assertThat(ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "hi")).isEqualTo("ok");

      assertThat(cz.getChannel(GetChannelRequest.newBuilder().setChannelId(channelId).build())
          .getChannel().getSubchannelRefList()).extracting(r -> r.getSubchannelId())
          .containsExactly(subchannelId);
      Subchannel after = subchannel(cz, subchannelId);
      // The closed connection's streams still count on the subchannel.
      assertThat(after.getData().getCallsStarted()).isEqualTo(ok + failed + 1);
      assertThat(after.getData().getCallsSucceeded()).isEqualTo(ok + 1);
      assertThat(after.getData().getCallsFailed()).isEqualTo(failed);
      assertThat(after.getData().getLastCallStartedTimestamp()).isEqualTo(at(againTime));
      assertThat(after.getSocketRefList()).hasSize(1);
      long newClientSocketId = after.getSocketRef(0).getSocketId();
      assertThat(newClientSocketId).isNotEqualTo(clientSocketId);
      var fresh = socket(cz, newClientSocketId).getData();
      assertThat(List.of(fresh.getStreamsStarted(), fresh.getStreamsSucceeded(), fresh.getStreamsFailed(),
          fresh.getMessagesSent(), fresh.getMessagesReceived())).containsExactly(1L, 1L, 0L, 1L, 1L);
      assertNotFound(() -> socket(cz, clientSocketId));

      GetServerSocketsResponse nowOpen = serverSockets(cz, serverId);
      assertThat(nowOpen.getSocketRefList()).hasSize(1);
      long newServerSocketId = nowOpen.getSocketRef(0).getSocketId();
      assertThat(newServerSocketId).isNotEqualTo(serverSocketId);
      var freshServer = socket(cz, newServerSocketId).getData();
      assertThat(List.of(freshServer.getStreamsStarted(), freshServer.getStreamsSucceeded(),
          freshServer.getStreamsFailed(), freshServer.getMessagesReceived(), freshServer.getMessagesSent()))
          .containsExactly(1L, 1L, 0L, 1L, 1L);
      assertNotFound(() -> socket(cz, serverSocketId));
    }
  }

  @Test
  void tlsSocketsShowTheCipherAndBothCertificatesAndKeepalives() throws Exception {
    TestCerts certs = TestCerts.get();
    FakeClock clock = new FakeClock();
    Channelz channelz = Channelz.create(timeOf(clock));
    Server.Builder measured = Server.builder().bind("127.0.0.1", 0).service(calls()).clock(clock)
        .keepAliveTime(Duration.ofMinutes(1))
        .tls(ServerTls.builder()
            .keyPair(certs.server.certChainPem(), certs.server.privateKeyPem())
            .trustPem(certs.ca.certPem())
            .clientAuth(ServerTls.ClientAuth.REQUIRE)
            .build());
    channelz.addTo(measured);
    Server.Builder admin = Server.builder().bind("127.0.0.1", 0);
    channelz.addTo(admin);
    try (Server server = measured.build().start();
        Server adminServer = admin.build().start();
        Channel channel = channelz.track(Channel.forAddress("127.0.0.1", server.port()).clock(clock)
            .tls(ChannelTls.builder()
                .trustPem(certs.ca.certPem())
                .keyPair(certs.client.certChainPem(), certs.client.privateKeyPem())
                .build()));
        Channel toAdmin = Channel.forAddress("127.0.0.1", adminServer.port()).plaintext().build()) {
      assertThat(ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "hi")).isEqualTo("ok");
      ChannelzRpc.BlockingClient cz = ChannelzRpc.newBlockingClient(toAdmin);
      byte[] serverCert = firstCertificate(certs.server.certChainPem());
      byte[] clientCert = firstCertificate(certs.client.certChainPem());

      long subchannelId = cz.getTopChannels(GetTopChannelsRequest.getDefaultInstance())
          .getChannel(0).getSubchannelRef(0).getSubchannelId();
      Socket client = socket(cz, subchannel(cz, subchannelId).getSocketRef(0).getSocketId());
      var tls = client.getSecurity().getTls();
      assertThat(tls.getStandardName()).startsWith("TLS_");
      assertThat(tls.getLocalCertificate().toByteArray()).isEqualTo(clientCert);
      assertThat(tls.getRemoteCertificate().toByteArray()).isEqualTo(serverCert);

      long serverId = cz.getServers(GetServersRequest.getDefaultInstance()).getServerList().stream()
          .filter(s -> s.getData().getCallsStarted() == 1).findFirst().orElseThrow().getRef().getServerId();
      long serverSocketId = serverSockets(cz, serverId).getSocketRef(0).getSocketId();
      Socket serverSide = socket(cz, serverSocketId);
      var serverTls = serverSide.getSecurity().getTls();
      assertThat(serverTls.getStandardName()).isEqualTo(tls.getStandardName());
      assertThat(serverTls.getLocalCertificate().toByteArray()).isEqualTo(serverCert);
      assertThat(serverTls.getRemoteCertificate().toByteArray()).isEqualTo(clientCert);
      assertThat(serverSide.getData().getKeepAlivesSent()).isZero();

      // A minute without reads: the server pings once.
      clock.advance(Duration.ofMinutes(1));
      assertThat(socket(cz, serverSocketId).getData().getKeepAlivesSent()).isEqualTo(1);
      assertThat(client.getData().getKeepAlivesSent()).isZero();
    }
  }

  private static byte[] firstCertificate(java.nio.file.Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getEncoded();
    }
  }
}
