package io.conduit.internal.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import io.conduit.ServerTls;
import io.conduit.WebOptions;
import io.conduit.internal.Json;
import io.conduit.testing.TestCerts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With TLS, ALPN offers h2 and http/1.1: the JDK's HTTP client gets the web protocols with
 * either, on the port that serves native gRPC.
 */
@Timeout(30)
class WebOverTlsTest {
  final WebTestService service = new WebTestService();
  Server server;

  @BeforeEach
  void start() {
    TestCerts certs = TestCerts.get();
    server = Server.builder().bind("127.0.0.1", 0)
        .tls(ServerTls.fromPem(certs.server.certChainPem(), certs.server.privateKeyPem()))
        .service(service.definition()).web(WebOptions.defaults()).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow();
    assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
  }

  private HttpResponse<byte[]> call(HttpClient.Version version, String path, String contentType,
      byte[] body) throws Exception {
    KeyStore trust = TestCerts.get().ca.trustStore();
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    try (HttpClientHolder h = new HttpClientHolder(HttpClient.newBuilder().sslContext(ssl)
        .version(version).connectTimeout(Duration.ofSeconds(5)).build())) {
      return h.client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
          .timeout(Duration.ofSeconds(10)).header("content-type", contentType)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
  }

  /** JDK 17's HttpClient is not AutoCloseable; dropping it ends its connections. */
  private record HttpClientHolder(HttpClient client) implements AutoCloseable {
    @Override
    public void close() {}
  }

  @Test
  void grpcWebOverHttp11AndHttp2() throws Exception {
    for (HttpClient.Version v : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
      HttpResponse<byte[]> r = call(v, "/test.Web/Echo", "application/grpc-web+proto",
          GrpcWebTest.message("tls"));
      assertThat(r.version()).isEqualTo(v);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(GrpcWebTest.value(WebFrames.parse(r.body()).get(0))).isEqualTo("tls");
    }
  }

  @Test
  void connectJsonOverHttp11() throws Exception {
    HttpResponse<byte[]> r = call(HttpClient.Version.HTTP_1_1, "/test.Web/Greet", "application/json",
        "{\"name\":\"tls\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(Json.parseObject(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)))
        .containsEntry("name", "hello tls");
  }
}
