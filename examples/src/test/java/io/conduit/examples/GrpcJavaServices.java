package io.conduit.examples;

import io.conduit.examples.routeguide.Features;
import io.grpc.examples.helloworld.GreeterGrpc;
import io.grpc.examples.helloworld.HelloReply;
import io.grpc.examples.helloworld.HelloRequest;
import io.grpc.examples.routeguide.Feature;
import io.grpc.examples.routeguide.Point;
import io.grpc.examples.routeguide.Rectangle;
import io.grpc.examples.routeguide.RouteGuideGrpc;
import io.grpc.examples.routeguide.RouteNote;
import io.grpc.examples.routeguide.RouteSummary;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * grpc-java implementations of the example services, on the base classes grpc-java's own plugin
 * generated: the peers the Conduit example clients are checked against.
 */
final class GrpcJavaServices {
  private GrpcJavaServices() {}

  static final class Greeter extends GreeterGrpc.GreeterImplBase {
    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloReply> responseObserver) {
      responseObserver.onNext(HelloReply.newBuilder().setMessage("Hello " + request.getName()).build());
      responseObserver.onCompleted();
    }
  }

  static final class RouteGuide extends RouteGuideGrpc.RouteGuideImplBase {
    private final List<Feature> features;
    private final Map<Point, List<RouteNote>> notes = new HashMap<>();

    RouteGuide(List<Feature> features) {
      this.features = features;
    }

    @Override
    public void getFeature(Point request, StreamObserver<Feature> responseObserver) {
      responseObserver.onNext(featureAt(request));
      responseObserver.onCompleted();
    }

    @Override
    public void listFeatures(Rectangle request, StreamObserver<Feature> responseObserver) {
      for (Feature feature : features) {
        if (Features.exists(feature) && Features.contains(request, feature.getLocation())) {
          responseObserver.onNext(feature);
        }
      }
      responseObserver.onCompleted();
    }

    @Override
    public StreamObserver<Point> recordRoute(StreamObserver<RouteSummary> responseObserver) {
      return new StreamObserver<>() {
        final List<Point> points = new ArrayList<>();

        @Override
        public void onNext(Point point) {
          points.add(point);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          int distance = 0;
          int named = 0;
          for (int i = 0; i < points.size(); i++) {
            named += Features.exists(featureAt(points.get(i))) ? 1 : 0;
            distance += i == 0 ? 0 : Features.distance(points.get(i - 1), points.get(i));
          }
          responseObserver.onNext(RouteSummary.newBuilder()
              .setPointCount(points.size())
              .setFeatureCount(named)
              .setDistance(distance)
              .build());
          responseObserver.onCompleted();
        }
      };
    }

    @Override
    public StreamObserver<RouteNote> routeChat(StreamObserver<RouteNote> responseObserver) {
      return new StreamObserver<>() {
        @Override
        public void onNext(RouteNote note) {
          List<RouteNote> earlier;
          synchronized (notes) {
            List<RouteNote> here = notes.computeIfAbsent(note.getLocation(), p -> new ArrayList<>());
            earlier = List.copyOf(here);
            here.add(note);
          }
          earlier.forEach(responseObserver::onNext);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          responseObserver.onCompleted();
        }
      };
    }

    private Feature featureAt(Point location) {
      return features.stream()
          .filter(f -> f.getLocation().equals(location))
          .findFirst()
          .orElse(Feature.newBuilder().setLocation(location).build());
    }
  }
}
