package io.conduit.examples.routeguide;

import io.conduit.CallFactory;
import io.conduit.Channel;
import io.conduit.StatusException;
import io.conduit.examples.Flags;
import io.conduit.stub.BlockingCall;
import io.conduit.stub.BlockingIterator;
import io.grpc.examples.routeguide.Feature;
import io.grpc.examples.routeguide.Point;
import io.grpc.examples.routeguide.Rectangle;
import io.grpc.examples.routeguide.RouteGuideRpc;
import io.grpc.examples.routeguide.RouteNote;
import io.grpc.examples.routeguide.RouteSummary;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Calls each method of a {@code routeguide.RouteGuide} server and prints what comes back: all
 * four call types with the generated blocking client, streams included.
 *
 * <pre>
 * examples/bin/routeguide-client --target=localhost:10000
 * </pre>
 */
public final class RouteGuideClient {
  private static final String USAGE = """
      Usage: examples/bin/routeguide-client [--target=HOST:PORT]
        --target=HOST:PORT   the server (default localhost:10000)""";

  private final RouteGuideRpc.BlockingClient routeGuide;
  private final PrintStream out;

  /** A client over {@code channel} that prints what it does to {@code out}. */
  public RouteGuideClient(CallFactory channel, PrintStream out) {
    // Every call gets 30 s from its start, streams included.
    this.routeGuide = RouteGuideRpc.newBlockingClient(channel).withDeadline(Duration.ofSeconds(30));
    this.out = out;
  }

  /** Unary: the feature at a point (unnamed when there is none). */
  public Feature getFeature(int latitude, int longitude) {
    out.println("*** GetFeature: " + latitude + ", " + longitude);
    Feature feature = routeGuide.getFeature(Features.point(latitude, longitude));
    if (Features.exists(feature)) {
      out.println("Found feature called \"" + feature.getName() + "\" at "
          + Features.format(feature.getLocation()));
    } else {
      out.println("Found no feature at " + Features.format(feature.getLocation()));
    }
    return feature;
  }

  /** Server streaming: the named features inside a rectangle, read one by one as they arrive. */
  public List<Feature> listFeatures(int lowLatitude, int lowLongitude, int highLatitude,
      int highLongitude) {
    out.println("*** ListFeatures: " + lowLatitude + ", " + lowLongitude + " to " + highLatitude
        + ", " + highLongitude);
    Rectangle rectangle = Rectangle.newBuilder()
        .setLo(Features.point(lowLatitude, lowLongitude))
        .setHi(Features.point(highLatitude, highLongitude))
        .build();
    List<Feature> found = new ArrayList<>();
    // try-with-resources: leaving the loop early (break, exception) cancels the call.
    try (BlockingIterator<Feature> features = routeGuide.listFeatures(rectangle)) {
      while (features.hasNext()) {
        Feature feature = features.next();
        found.add(feature);
        out.println("Result #" + found.size() + ": " + feature.getName() + " at "
            + Features.format(feature.getLocation()));
      }
    }
    return found;
  }

  /**
   * Client streaming: sends the points of a route, pausing up to {@code maxPause} between two,
   * and returns the server's summary.
   */
  public RouteSummary recordRoute(List<Point> route, Duration maxPause) throws InterruptedException {
    out.println("*** RecordRoute: " + route.size() + " points");
    Random random = new Random();
    try (BlockingCall<Point, RouteSummary> call = routeGuide.recordRoute()) {
      for (Point point : route) {
        out.println("Visiting point " + Features.format(point));
        call.send(point);  // waits while the connection cannot take more: back-pressure
        if (!maxPause.isZero()) {
          Thread.sleep(random.nextInt((int) maxPause.toMillis() + 1));
        }
      }
      RouteSummary summary = call.finish();  // "no more points", then the single response
      out.println("Finished trip with " + summary.getPointCount() + " points. Passed "
          + summary.getFeatureCount() + " features. Travelled " + summary.getDistance()
          + " meters. It took " + summary.getElapsedTime() + " seconds.");
      return summary;
    }
  }

  /**
   * Bidirectional streaming: sends {@code notes} from a second thread while this one reads the
   * server's notes; returns the notes received.
   */
  public List<RouteNote> routeChat(List<RouteNote> notes) throws InterruptedException {
    out.println("*** RouteChat");
    List<RouteNote> received = new ArrayList<>();
    BlockingCall<RouteNote, RouteNote> chat = routeGuide.routeChat();
    // A BlockingCall may be written by one thread while another reads it.
    Thread sender = new Thread(() -> {
      try {
        for (RouteNote note : notes) {
          out.println("Sending message \"" + note.getMessage() + "\" at "
              + Features.format(note.getLocation()));
          chat.send(note);
        }
        chat.halfClose();
      } catch (StatusException e) {
        // The call failed: read() below reports it.
      }
    }, "route-chat-sender");
    sender.start();
    try {
      for (RouteNote note = chat.read(); note != null; note = chat.read()) {  // null: the end
        received.add(note);
        out.println("Got message \"" + note.getMessage() + "\" at "
            + Features.format(note.getLocation()));
      }
    } finally {
      chat.close();  // cancels the call if reading failed, which also unblocks the sender
      sender.join();
    }
    return received;
  }

  /** A route of {@code length} points picked at random among the features' locations. */
  public static List<Point> randomRoute(List<Feature> features, int length, Random random) {
    List<Point> route = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      route.add(features.get(random.nextInt(features.size())).getLocation());
    }
    return route;
  }

  /**
   * Six notes at three places (latitude 0, longitude 1, 2 and 3 degrees), two at each: the last
   * three are each answered with the note left earlier at the same place.
   */
  public static List<RouteNote> chatNotes() {
    String[] messages = {"First", "Second", "Third", "Fourth", "Fifth", "Sixth"};
    List<RouteNote> notes = new ArrayList<>();
    for (int i = 0; i < messages.length; i++) {
      notes.add(RouteNote.newBuilder()
          .setMessage(messages[i] + " message")
          .setLocation(Features.point(0, (i % 3 + 1) * 10_000_000))
          .build());
    }
    return notes;
  }

  public static void main(String[] args) throws InterruptedException {
    String target = Flags.parse(args, USAGE, Set.of("target")).string("target", "localhost:10000");

    try (Channel channel = Channel.builder(target).plaintext().build()) {
      RouteGuideClient client = new RouteGuideClient(channel, System.out);
      client.getFeature(409146138, -746188906);  // a named feature
      client.getFeature(0, 0);  // nothing there
      client.listFeatures(400000000, -750000000, 420000000, -730000000);
      client.recordRoute(randomRoute(Features.load(), 10, new Random()), Duration.ofMillis(500));
      client.routeChat(chatNotes());
    } catch (StatusException e) {
      System.err.println("RPC failed: " + e.getMessage());  // e.g. "UNAVAILABLE: ..."
      System.exit(1);
    }
  }
}
