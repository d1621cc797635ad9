package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.TestCerts;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TLS and mutual TLS: success, and failures whose status names the cause. */
@Timeout(60)
class TlsTest {
  static final MethodDescriptor<String, String> WHO = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Tls/Who", EchoService.STRING, EchoService.STRING);

  static TestCerts certs;
  final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void mint() {
    certs = TestCerts.get();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** Answers with what the server knows of its peer: "secure principal". */
  static ServiceDefinition whoService() {
    return ServiceDefinition.builder("test.Tls")
        .method(WHO, ServerCalls.unary((req, out) -> {
          Peer peer = Peer.current();
          out.onNext(peer.isSecure() + " " + peer.principal() + " " + peer.certificates().size()
              + " " + (peer.remoteAddress() != null));
          out.onCompleted();
        }))
        .build();
  }

  Server server(ServerTls tls) {
    Server s = Server.builder().bind("127.0.0.1", 0).tls(tls).service(whoService()).build().start();
    toClose.add(s);
    return s;
  }

  Channel channel(String target, ChannelTls tls) {
    Channel c = Channel.builder(target).tls(tls).build();
    toClose.add(c);
    return c;
  }

  static String who(Channel channel) {
    return ClientCalls.blockingUnary(channel, WHO,
        CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), "?");
  }

  static ChannelTls trusting(TestCerts.Ca ca) {
    return ChannelTls.builder().trustPem(ca.certPem()).build();
  }

  static ServerTls serverTls(TestCerts.Pair pair) {
    return ServerTls.fromPem(pair.certChainPem(), pair.privateKeyPem());
  }

  static StatusException failure(Channel channel) {
    try {
      who(channel);
    } catch (StatusException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void tlsCallSucceedsAndServerSeesSecurePeer() {
    Server s = server(serverTls(certs.server));
    Channel c = channel("localhost:" + s.port(), trusting(certs.ca));
    assertThat(who(c)).isEqualTo("true null 0 true");
  }

  @Test
  void keyStoreAndTrustStoreWork() {
    Server s = server(ServerTls.builder()
        .keyStore(certs.server.loadKeyStore(), TestCerts.PASSWORD).build());
    Channel c = channel("127.0.0.1:" + s.port(),
        ChannelTls.builder().trustStore(certs.ca.trustStore()).build());
    assertThat(who(c)).startsWith("true ");
  }

  @Test
  void wrongCaIsNamed() {
    Server s = server(serverTls(certs.serverOtherCa));
    StatusException e = failure(channel("localhost:" + s.port(), trusting(certs.ca)));
    assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.status().description()).contains("not signed by a trusted CA");
  }

  @Test
  void expiredServerCertificateIsNamed() {
    Server s = server(serverTls(certs.serverExpired));
    StatusException e = failure(channel("localhost:" + s.port(), trusting(certs.ca)));
    assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.status().description()).contains("certificate has expired");
  }

  @Test
  void hostNameMismatchIsNamed() {
    Server s = server(serverTls(certs.serverOverride));
    StatusException e = failure(channel("localhost:" + s.port(), trusting(certs.ca)));
    assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.status().description()).contains("does not match the name 'localhost'");
  }

  @Test
  void authorityOverrideIsVerifiedInstead() {
    Server s = server(serverTls(certs.serverOverride));
    Channel c = Channel.builder("127.0.0.1:" + s.port()).tls(trusting(certs.ca))
        .authority("foo.test.example").build();
    toClose.add(c);
    assertThat(who(c)).startsWith("true ");
  }

  @Test
  void mutualTlsGivesServerTheClientIdentity() {
    Server s = server(ServerTls.builder()
        .keyPair(certs.server.certChainPem(), certs.server.privateKeyPem())
        .trustPem(certs.ca.certPem())
        .clientAuth(ServerTls.ClientAuth.REQUIRE)
        .build());
    Channel c = channel("localhost:" + s.port(), ChannelTls.builder()
        .trustPem(certs.ca.certPem())
        .keyPair(certs.client.certChainPem(), certs.client.privateKeyPem())
        .build());
    assertThat(who(c)).isEqualTo("true CN=client-1 2 true");
  }

  @Test
  void interceptorSeesPeerAndCanRefuse() {
    ServerInterceptor onlyClient1 = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        java.security.Principal p = Peer.current().principal();
        if (p == null || !p.getName().equals("CN=client-1")) {
          call.close(Status.PERMISSION_DENIED.withDescription("not client-1: " + p), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
    Server s = Server.builder().bind("127.0.0.1", 0)
        .tls(ServerTls.builder()
            .keyPair(certs.server.certChainPem(), certs.server.privateKeyPem())
            .trustPem(certs.ca.certPem())
            .clientAuth(ServerTls.ClientAuth.OPTIONAL)
            .build())
        .intercept(onlyClient1).service(whoService()).build().start();
    toClose.add(s);
    Channel good = channel("localhost:" + s.port(), ChannelTls.builder()
        .trustPem(certs.ca.certPem())
        .keyPair(certs.client.certChainPem(), certs.client.privateKeyPem()).build());
    assertThat(who(good)).startsWith("true CN=client-1");
    StatusException e = failure(channel("localhost:" + s.port(), trusting(certs.ca)));
    assertThat(e.status().code()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void missingClientCertificateIsNamed() {
    Server s = server(ServerTls.builder()
        .keyPair(certs.server.certChainPem(), certs.server.privateKeyPem())
        .trustPem(certs.ca.certPem())
        .clientAuth(ServerTls.ClientAuth.REQUIRE).build());
    StatusException e = failure(channel("localhost:" + s.port(), trusting(certs.ca)));
    assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.status().description()).contains("missing client certificate");
  }

  @Test
  void untrustedClientCertificateIsNamed() {
    Server s = server(ServerTls.builder()
        .keyPair(certs.server.certChainPem(), certs.server.privateKeyPem())
        .trustPem(certs.ca.certPem())
        .clientAuth(ServerTls.ClientAuth.REQUIRE).build());
    StatusException e = failure(channel("localhost:" + s.port(), ChannelTls.builder()
        .trustPem(certs.ca.certPem())
        .keyPair(certs.clientOtherCa.certChainPem(), certs.clientOtherCa.privateKeyPem()).build()));
    assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.status().description()).contains("server rejected the client certificate");
  }

  @Test
  void expiredClientCertificateIsNamed() {
    Server s = server(ServerTls.builder()
        .keyPair(certs.server.certChainPem(), certs.server.privateKeyPem())
        .trustPem(certs.ca.certPem())
        .clientAuth(ServerTls.ClientAuth.REQUIRE).build());
    StatusException e = failure(channel("localhost:" + s.port(), ChannelTls.builder()
        .trustPem(certs.ca.certPem())
        .keyPair(certs.clientExpired.certChainPem(), certs.clientExpired.privateKeyPem()).build()));
    assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.status().description()).contains("server rejected the client certificate")
        .contains("expired");
  }

  @Test
  void serverWithoutAlpnIsNamed() throws Exception {
    SSLContext ssl = SSLContext.getInstance("TLS");
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(certs.server.loadKeyStore(), TestCerts.PASSWORD);
    ssl.init(kmf.getKeyManagers(), null, null);
    try (SSLServerSocket listener = (SSLServerSocket) ssl.getServerSocketFactory()
        .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try (SSLSocket sock = (SSLSocket) listener.accept()) {
          sock.startHandshake();
          InputStream in = sock.getInputStream();
          while (in.read() >= 0) {
            // Drain until the client gives up.
          }
        } catch (Exception ignored) {
          // The client closes on us.
        }
      });
      acceptor.start();
      StatusException e = failure(channel("localhost:" + listener.getLocalPort(), trusting(certs.ca)));
      assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.status().description()).contains("ALPN");
      acceptor.join(5000);
    }
  }

  @Test
  void clientWithoutAlpnIsRefused() throws Exception {
    Server s = server(serverTls(certs.server));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(certs.ca.trustStore());
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket sock = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", s.port())) {
      sock.setSoTimeout(10_000);
      sock.startHandshake();
      // The server closes right after the handshake; it sends no HTTP/2 (SETTINGS would be 9+ bytes).
      InputStream in = sock.getInputStream();
      byte[] buf = new byte[64];
      int total = 0;
      int n;
      try {
        while ((n = in.read(buf)) >= 0) {
          total += n;
        }
      } catch (java.net.SocketException closed) {
        // Reset: closed just as well.
      }
      assertThat(total).isZero();
    }
  }

  @Test
  void plaintextServerIsNamed() {
    Server s = Server.builder().bind("127.0.0.1", 0).service(whoService()).build().start();
    toClose.add(s);
    StatusException e = failure(channel("localhost:" + s.port(), trusting(certs.ca)));
    assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.status().description()).contains("does not speak TLS");
  }

  @Test
  void certificateReloadAppliesToNewConnections() {
    Server s = server(serverTls(certs.server));
    Channel before = channel("localhost:" + s.port(), trusting(certs.ca));
    assertThat(who(before)).startsWith("true ");

    s.updateTls(serverTls(certs.serverOtherCa));
    // A new client trusting only the other CA now gets in; the open connection keeps working.
    Channel after = channel("localhost:" + s.port(), trusting(certs.otherCa));
    assertThat(who(after)).startsWith("true ");
    assertThat(who(before)).startsWith("true ");
    StatusException e = failure(channel("localhost:" + s.port(), trusting(certs.ca)));
    assertThat(e.status().description()).contains("not signed by a trusted CA");
  }

  @Test
  void updateTlsWithoutTlsFails() {
    Server s = Server.builder().bind("127.0.0.1", 0).service(whoService()).build().start();
    toClose.add(s);
    assertThatThrownBy(() -> s.updateTls(serverTls(certs.server)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void badKeyMaterialFailsAtBuild() {
    assertThatThrownBy(() -> ServerTls.fromPem(certs.dir.resolve("missing.pem"),
        certs.server.privateKeyPem()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.pem");
    assertThatThrownBy(() -> ServerTls.builder().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("certificate and key");
  }

  @Test
  void plaintextPeerIsNotSecure() {
    Server s = Server.builder().bind("127.0.0.1", 0).service(whoService()).build().start();
    toClose.add(s);
    Channel c = Channel.forAddress("127.0.0.1", s.port()).plaintext().build();
    toClose.add(c);
    assertThat(who(c)).isEqualTo("false null 0 true");
  }
}
