package io.conduit.examples.routeguide;

import io.conduit.stub.ServerStreamObserver;
import io.conduit.stub.StreamObserver;
import io.grpc.examples.routeguide.Feature;
import io.grpc.examples.routeguide.Point;
import io.grpc.examples.routeguide.Rectangle;
import io.grpc.examples.routeguide.RouteGuideRpc;
import io.grpc.examples.routeguide.RouteNote;
import io.grpc.examples.routeguide.RouteSummary;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The {@code routeguide.RouteGuide} service over a list of features: one method of each call type.
 */
public final class RouteGuideService extends RouteGuideRpc.Service {
  private final List<Feature> features;
  /** The notes left so far, by location: shared by every RouteChat call. */
  private final ConcurrentMap<Point, List<RouteNote>> notes = new ConcurrentHashMap<>();

  public RouteGuideService(List<Feature> features) {
    this.features = List.copyOf(features);
  }

  /** Unary: one request, one response. */
  @Override
  public void getFeature(Point request, ServerStreamObserver<Feature> responseObserver) {
    responseObserver.onNext(featureAt(request));
    responseObserver.onCompleted();
  }

  /** Server streaming: any number of responses, then the end of the call. */
  @Override
  public void listFeatures(Rectangle request, ServerStreamObserver<Feature> responseObserver) {
    for (Feature feature : features) {
      if (Features.exists(feature) && Features.contains(request, feature.getLocation())) {
        // Throws CANCELLED once the client has gone, which ends the loop. (A long stream would
        // also pace itself with responseObserver.isReady() and setOnReadyHandler.)
        responseObserver.onNext(feature);
      }
    }
    responseObserver.onCompleted();
  }

  /**
   * Client streaming: the returned observer receives the client's messages; the single response
   * goes out once the client has sent its last one.
   */
  @Override
  public StreamObserver<Point> recordRoute(ServerStreamObserver<RouteSummary> responseObserver) {
    return new StreamObserver<>() {
      private final long startNanos = System.nanoTime();
      private int pointCount;
      private int featureCount;
      private int distance;
      private Point previous;

      @Override
      public void onNext(Point point) {
        pointCount++;
        if (Features.exists(featureAt(point))) {
          featureCount++;
        }
        if (previous != null) {
          distance += Features.distance(previous, point);
        }
        previous = point;
      }

      @Override
      public void onError(Throwable t) {
        // The client cancelled or the call broke: there is nobody left to answer.
      }

      @Override
      public void onCompleted() {
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
        responseObserver.onNext(RouteSummary.newBuilder()
            .setPointCount(pointCount)
            .setFeatureCount(featureCount)
            .setDistance(distance)
            .setElapsedTime((int) seconds)
            .build());
        responseObserver.onCompleted();
      }
    };
  }

  /**
   * Bidirectional streaming: requests and responses flow independently. Each note the client
   * sends is answered with the notes left at the same location before it.
   */
  @Override
  public StreamObserver<RouteNote> routeChat(ServerStreamObserver<RouteNote> responseObserver) {
    return new StreamObserver<>() {
      @Override
      public void onNext(RouteNote note) {
        List<RouteNote> here =
            notes.computeIfAbsent(note.getLocation(), location -> new CopyOnWriteArrayList<>());
        for (RouteNote earlier : here) {  // a snapshot: other chats may add meanwhile
          responseObserver.onNext(earlier);
        }
        here.add(note);
      }

      @Override
      public void onError(Throwable t) {
        // The client cancelled or the call broke; the notes it left stay.
      }

      @Override
      public void onCompleted() {
        responseObserver.onCompleted();
      }
    };
  }

  /** The feature at {@code location}, or an unnamed one there when the database has none. */
  private Feature featureAt(Point location) {
    for (Feature feature : features) {
      if (feature.getLocation().equals(location)) {
        return feature;
      }
    }
    return Feature.newBuilder().setName("").setLocation(location).build();
  }
}
