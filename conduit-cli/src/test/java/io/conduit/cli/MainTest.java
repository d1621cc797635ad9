package io.conduit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.ForwardingServerCall;
import io.conduit.Metadata;
import io.conduit.Server;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServerInterceptor;
import io.conduit.ServerTls;
import io.conduit.Status;
import io.conduit.examples.helloworld.GreeterServer;
import io.conduit.examples.helloworld.GreeterService;
import io.conduit.examples.routeguide.Features;
import io.conduit.examples.routeguide.RouteGuideServer;
import io.conduit.testing.TestCerts;
import io.grpc.examples.helloworld.HelloRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command against the examples' servers (with their admin services): what it prints, and its
 * exit codes on success, on a failing status and on bad input.
 */
@Timeout(60)
class MainTest {
  /** The request headers of every call the greeter saw. */
  static final List<Metadata> SEEN = new CopyOnWriteArrayList<>();
  static Server greeter;
  static Server routeGuide;
  static String greeterTarget;
  static String routeGuideTarget;

  /** Records each call's headers and answers with a header and a trailer of its own. */
  static final class Recorder implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      SEEN.add(headers);
      return next.startCall(new ForwardingServerCall<>(call) {
        @Override
        public void sendHeaders(Metadata responseHeaders) {
          responseHeaders.add("x-greeter", "hello");
          super.sendHeaders(responseHeaders);
        }

        @Override
        public void close(Status status, Metadata trailers) {
          trailers.add("x-served-by", "test");
          super.close(status, trailers);
        }
      }, headers);
    }
  }

  @BeforeAll
  static void start() {
    greeter = GreeterServer.builder(0).intercept(new Recorder()).build().start();
    routeGuide = RouteGuideServer.builder(0, Features.load()).build().start();
    greeterTarget = "127.0.0.1:" + greeter.port();
    routeGuideTarget = "127.0.0.1:" + routeGuide.port();
  }

  @AfterAll
  static void stop() {
    greeter.close();
    routeGuide.close();
  }

  @Test
  void listsTheServicesAndAServicesMethods() {
    Run services = Run.of("list", greeterTarget, "--plaintext");
    assertThat(services.exit()).isZero();
    assertThat(services.out().lines()).containsExactly("helloworld.Greeter", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
        "grpc.channelz.v1.Channelz");

    Run methods = Run.of("list", routeGuideTarget, "routeguide.RouteGuide", "--plaintext");
    assertThat(methods.out().lines()).containsExactly("routeguide.RouteGuide.GetFeature",
        "routeguide.RouteGuide.ListFeatures", "routeguide.RouteGuide.RecordRoute",
        "routeguide.RouteGuide.RouteChat");
  }

  @Test
  void describesServicesAndMessagesAsProtoSource() {
    Run service = Run.of("describe", routeGuideTarget, "routeguide.RouteGuide", "--plaintext");
    assertThat(service.exit()).isZero();
    assertThat(service.out()).contains("service RouteGuide {",
        "rpc ListFeatures(.routeguide.Rectangle) returns (stream .routeguide.Feature);",
        "rpc RouteChat(stream .routeguide.RouteNote) returns (stream .routeguide.RouteNote);");

    Run message = Run.of("describe", routeGuideTarget, "routeguide.Feature", "--plaintext");
    assertThat(message.out()).contains("message Feature {", "string name = 1;",
        ".routeguide.Point location = 2;");
  }

  @Test
  void unaryCallWithMetadataHeadersAndTrailers() {
    SEEN.clear();
    Run run = Run.of("call", greeterTarget, "helloworld.Greeter/SayHello", "-d", "{\"name\": \"cli\"}",
        "--plaintext", "-H", "x-api-key: secret", "-v", "--deadline", "10s");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("{\"message\":\"Hello cli\"}\n");
    assertThat(run.err()).contains("Response headers received:", "x-greeter: hello",
        "Response trailers received:", "x-served-by: test");
    // Reflection's stream and the call both carry the header.
    assertThat(SEEN).isNotEmpty().allSatisfy(h -> assertThat(h.get("x-api-key")).isEqualTo("secret"));
  }

  @Test
  void serverStreamingPrintsOneLinePerMessage() {
    Run run = Run.of("call", routeGuideTarget, "routeguide.RouteGuide/ListFeatures", "--plaintext",
        "-d", "{\"lo\": {\"latitude\": 400000000, \"longitude\": -750000000},"
            + " \"hi\": {\"latitude\": 420000000, \"longitude\": -730000000}}");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out().lines().count()).isGreaterThan(1);
    assertThat(run.out().lines()).allSatisfy(line -> assertThat(line).startsWith("{\"name\":"));
  }

  @Test
  void clientAndBidiStreamingReadJsonValuesFromStdin() {
    String points = "{\"latitude\": 407838351, \"longitude\": -746143763}\n"
        + "{\"latitude\": 408122808, \"longitude\": -743999179}";
    Run record = Run.withStdin(points, "call", routeGuideTarget, "routeguide.RouteGuide/RecordRoute", "--plaintext");
    assertThat(record.exit()).as(record.err()).isZero();
    assertThat(record.out()).contains("\"pointCount\":2");

    String notes = "{\"location\": {\"latitude\": 1, \"longitude\": 1}, \"message\": \"a\"}"
        + "{\"location\": {\"latitude\": 1, \"longitude\": 1}, \"message\": \"b\"}";
    Run chat = Run.withStdin(notes, "call", routeGuideTarget, "routeguide.RouteGuide.RouteChat", "--plaintext");
    assertThat(chat.exit()).as(chat.err()).isZero();
    // The second note hears the first, sent at the same place.
    assertThat(chat.out()).contains("\"message\":\"a\"");
  }

  @Test
  void channelzTablesAndEntities() {
    Run call = Run.of("call", routeGuideTarget, "routeguide.RouteGuide/GetFeature", "--plaintext",
        "-d", "{\"latitude\": 1}");
    assertThat(call.exit()).isZero();
    Run tables = Run.of("channelz", routeGuideTarget, "--plaintext");
    assertThat(tables.exit()).as(tables.err()).isZero();
    assertThat(tables.out()).contains("SERVER_ID", "CHANNEL_ID", ":" + routeGuide.port());
    String serverId = tables.out().lines().filter(l -> l.contains(":" + routeGuide.port())).findFirst()
        .orElseThrow().split("\\s+")[0];
    Run server = Run.of("channelz", routeGuideTarget, "server", serverId, "--plaintext");
    assertThat(server.exit()).as(server.err()).isZero();
    assertThat(server.out()).contains("\"serverId\":\"" + serverId + "\"", "\"callsSucceeded\"",
        "\"listenSocket\"");
    Run unknown = Run.of("channelz", routeGuideTarget, "socket", "123456", "--plaintext");
    assertThat(unknown.exit()).isEqualTo(Main.STATUS_BASE + Status.Code.NOT_FOUND.value());
  }

  @Test
  void healthChecks() {
    Run server = Run.of("health", greeterTarget, "--plaintext");
    assertThat(server.exit()).isZero();
    assertThat(server.out()).isEqualTo("SERVING\n");

    Run unknown = Run.of("health", greeterTarget, "no.Such", "--plaintext");
    assertThat(unknown.exit()).isEqualTo(Main.STATUS_BASE + Status.Code.NOT_FOUND.value());
    assertThat(unknown.err()).contains("NOT_FOUND");
  }

  @Test
  void aRequestThatDoesNotMatchNamesTheFieldAndSendsNothing() {
    SEEN.clear();
    Run run = Run.of("call", greeterTarget, "helloworld.Greeter/SayHello", "-d", "{\"nmae\": \"x\"}",
        "--plaintext");
    assertThat(run.exit()).isEqualTo(Main.BAD_INPUT);
    assertThat(run.err()).contains("nmae", "helloworld.HelloRequest");
    assertThat(run.out()).isEmpty();
    // Only the reflection stream reached the server; the call was never made.
    assertThat(SEEN).hasSize(1);
  }

  @Test
  void aHeaderTheTransportOwnsIsRefusedBeforeAnythingIsSent() {
    SEEN.clear();
    Run run = Run.of("call", greeterTarget, "helloworld.Greeter/SayHello", "-d", "{}",
        "--plaintext", "-H", "grpc-timeout: 1S");
    assertThat(run.exit()).isEqualTo(Main.BAD_INPUT);
    assertThat(run.err()).contains("grpc-timeout", "reserved", "--deadline");
    assertThat(SEEN).isEmpty();
  }

  @Test
  void unknownServicesAndMethodsAreNamed() {
    Run service = Run.of("call", greeterTarget, "helloworld.Nope/SayHello", "--plaintext");
    assertThat(service.exit()).isEqualTo(Main.BAD_INPUT);
    assertThat(service.err()).contains("helloworld.Nope not found", "helloworld.Greeter");

    Run method = Run.of("call", greeterTarget, "helloworld.Greeter/SayBye", "--plaintext");
    assertThat(method.exit()).isEqualTo(Main.BAD_INPUT);
    assertThat(method.err()).contains("no method SayBye", "SayHello");

    Run flag = Run.of("list", greeterTarget, "--no-such-flag");
    assertThat(flag.exit()).isEqualTo(Main.BAD_INPUT);
    assertThat(flag.err()).contains("--no-such-flag");
  }

  @Test
  void aServiceWithoutASchemaIsNamedAsSuch() {
    try (Server handmade = Server.builder().bind("127.0.0.1", 0)
        .service(io.conduit.ServiceDefinition.builder("test.Handmade").build())
        .service(io.conduit.services.reflection.Reflection.service())
        .build().start()) {
      Run run = Run.of("call", "127.0.0.1:" + handmade.port(), "test.Handmade/Echo", "--plaintext");
      assertThat(run.exit()).isEqualTo(Main.BAD_INPUT);
      assertThat(run.err()).contains("has service test.Handmade but does not share its schema",
          "--protoset");
    }
  }

  @Test
  void aFailingStatusExitsWithItsOwnCode() {
    try (Server bare = Server.builder().bind("127.0.0.1", 0).build().start()) {
      Run run = Run.of("call", "127.0.0.1:" + bare.port(), "helloworld.Greeter/SayHello", "--plaintext");
      assertThat(run.exit()).isEqualTo(Main.STATUS_BASE + Status.Code.UNIMPLEMENTED.value());
      assertThat(run.err()).contains("UNIMPLEMENTED", "does not support reflection", "--protoset");
    }
  }

  @Test
  void aServerWithoutReflectionOverAProtoset(@TempDir Path dir) throws Exception {
    Path protoset = Protosets.write(HelloRequest.getDescriptor().getFile(), dir);
    try (Server bare = Server.builder().bind("127.0.0.1", 0).service(new GreeterService()).build().start()) {
      String target = "127.0.0.1:" + bare.port();
      Run list = Run.of("list", target, "--plaintext", "--protoset", protoset.toString());
      assertThat(list.out().lines()).containsExactly("helloworld.Greeter");
      Run call = Run.of("call", target, "helloworld.Greeter/SayHello", "-d", "{\"name\": \"set\"}",
          "--plaintext", "--protoset", protoset.toString());
      assertThat(call.exit()).as(call.err()).isZero();
      assertThat(call.out()).isEqualTo("{\"message\":\"Hello set\"}\n");
    }
  }

  @Test
  void tlsWithACaClientCertificateAndAuthority() {
    TestCerts certs = TestCerts.get();
    try (Server secure = GreeterServer.builder(0)
        .tls(ServerTls.builder()
            .keyPair(certs.server.certChainPem(), certs.server.privateKeyPem())
            .trustPem(certs.ca.certPem())
            .clientAuth(ServerTls.ClientAuth.REQUIRE)
            .build())
        .build().start()) {
      String target = "127.0.0.1:" + secure.port();
      Run run = Run.of("call", target, "helloworld.Greeter/SayHello", "-d", "{\"name\": \"tls\"}",
          "--cacert", certs.ca.certPem().toString(), "--cert", certs.client.certChainPem().toString(),
          "--key", certs.client.privateKeyPem().toString(), "--authority", "localhost");
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).isEqualTo("{\"message\":\"Hello tls\"}\n");

      Run noClientCert = Run.of("list", target, "--cacert", certs.ca.certPem().toString(),
          "--authority", "localhost");
      assertThat(noClientCert.exit()).isEqualTo(Main.STATUS_BASE + Status.Code.UNAVAILABLE.value());
    }
  }
}
