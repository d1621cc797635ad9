package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.examples.helloworld.GreeterClient;
import io.conduit.examples.helloworld.GreeterService;
import io.conduit.examples.routeguide.RouteGuideClient;
import io.conduit.examples.routeguide.RouteGuideService;
import io.grpc.examples.routeguide.Point;
import io.grpc.examples.routeguide.RouteSummary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example servers answer the example clients: Greeter and all four RouteGuide calls. */
@Timeout(30)
class ExamplesTest {
  static Server server;
  static Channel channel;
  static final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  static RouteGuideClient routeGuide;

  @BeforeAll
  static void start() {
    server = Server.builder()
        .bind("127.0.0.1", 0)
        .service(new GreeterService())
        .service(new RouteGuideService(RouteGuideChecks.DATABASE))
        .build()
        .start();
    channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
    routeGuide = new RouteGuideClient(channel, new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void greeterGreets() {
    assertThat(new GreeterClient(channel).greet("Conduit")).isEqualTo("Hello Conduit");
  }

  @Test
  void getFeatureFindsAKnownFeatureAndNothingWhereThereIsNone() {
    RouteGuideChecks.checkKnownFeature(routeGuide.getFeature(409146138, -746188906));
    RouteGuideChecks.checkNoFeature(routeGuide.getFeature(0, 0));
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("Found feature called \"" + RouteGuideChecks.KNOWN_NAME + "\" at 40.9146138, -74.6188906")
        .contains("Found no feature at 0, 0");
  }

  @Test
  void listFeaturesStreamsTheNamedFeaturesInTheRectangle() {
    RouteGuideChecks.checkFeaturesInRectangle(
        routeGuide.listFeatures(400000000, -750000000, 420000000, -730000000));
  }

  @Test
  void recordRouteSummarizesTheRoute() throws InterruptedException {
    RouteGuideChecks.checkSummary(routeGuide.recordRoute(RouteGuideChecks.ROUTE, Duration.ZERO));
  }

  @Test
  void recordRouteOfARandomRouteWithPauses() throws InterruptedException {
    List<Point> route = RouteGuideClient.randomRoute(RouteGuideChecks.DATABASE, 4, new Random(1));
    RouteSummary summary = routeGuide.recordRoute(route, Duration.ofMillis(20));
    assertThat(summary.getPointCount()).isEqualTo(4);
    assertThat(route).allSatisfy(p -> assertThat(RouteGuideChecks.DATABASE)
        .anySatisfy(f -> assertThat(f.getLocation()).isEqualTo(p)));
  }

  @Test
  void routeChatAnswersEachNoteWithTheEarlierNotesAtItsPlace() throws InterruptedException {
    RouteGuideChecks.checkChat(routeGuide.routeChat(RouteGuideChecks.NOTES));
  }
}
