package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Channel;
import io.conduit.examples.helloworld.GreeterClient;
import io.conduit.examples.routeguide.RouteGuideClient;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Conduit example clients against grpc-java servers of the same services. */
@Timeout(30)
class ConduitClientsAgainstGrpcJavaTest {
  static Server grpcJava;
  static Channel channel;
  static RouteGuideClient routeGuide;

  @BeforeAll
  static void start() throws Exception {
    grpcJava = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new GrpcJavaServices.Greeter())
        .addService(new GrpcJavaServices.RouteGuide(RouteGuideChecks.DATABASE))
        .build()
        .start();
    channel = Channel.forAddress("127.0.0.1", grpcJava.getPort()).plaintext().build();
    routeGuide = new RouteGuideClient(channel, new PrintStream(OutputStream.nullOutputStream()));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) {
      channel.close();
    }
    if (grpcJava != null) {
      grpcJava.shutdown();
      if (!grpcJava.awaitTermination(5, TimeUnit.SECONDS)) {
        grpcJava.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void greeter() {
    assertThat(new GreeterClient(channel).greet("grpc-java")).isEqualTo("Hello grpc-java");
  }

  @Test
  void getFeature() {
    RouteGuideChecks.checkKnownFeature(routeGuide.getFeature(409146138, -746188906));
    RouteGuideChecks.checkNoFeature(routeGuide.getFeature(0, 0));
  }

  @Test
  void listFeatures() {
    RouteGuideChecks.checkFeaturesInRectangle(
        routeGuide.listFeatures(400000000, -750000000, 420000000, -730000000));
  }

  @Test
  void recordRoute() throws InterruptedException {
    RouteGuideChecks.checkSummary(routeGuide.recordRoute(RouteGuideChecks.ROUTE, Duration.ZERO));
  }

  @Test
  void routeChat() throws InterruptedException {
    RouteGuideChecks.checkChat(routeGuide.routeChat(RouteGuideChecks.NOTES));
  }
}
