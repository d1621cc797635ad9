package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.examples.routeguide.Features;
import io.conduit.examples.routeguide.RouteGuideClient;
import io.grpc.examples.routeguide.Feature;
import io.grpc.examples.routeguide.Point;
import io.grpc.examples.routeguide.Rectangle;
import io.grpc.examples.routeguide.RouteNote;
import io.grpc.examples.routeguide.RouteSummary;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a RouteGuide server over the standard database must answer, whichever implementation
 * serves it and whichever calls it.
 */
final class RouteGuideChecks {
  static final List<Feature> DATABASE = Features.load();

  static final Point KNOWN = Features.point(409146138, -746188906);
  static final String KNOWN_NAME = "Berkshire Valley Management Area Trail, Jefferson, NJ, USA";
  static final Point NOWHERE = Features.point(0, 0);

  /** The rectangle of the official client: 40, -75 to 42, -73 degrees. It holds every named feature. */
  static final Rectangle RECTANGLE = Rectangle.newBuilder()
      .setLo(Features.point(400000000, -750000000))
      .setHi(Features.point(420000000, -730000000))
      .build();
  static final List<Feature> IN_RECTANGLE = DATABASE.stream()
      .filter(f -> Features.exists(f) && Features.contains(RECTANGLE, f.getLocation()))
      .collect(Collectors.toList());

  /** A route over 3 named features, 1 unnamed one and a point that is no feature at all. */
  static final List<Point> ROUTE = List.of(
      DATABASE.get(0).getLocation(),   // Patriots Path, Mendham
      DATABASE.get(1).getLocation(),   // 101 New Jersey 10, Whippany
      DATABASE.get(23).getLocation(),  // unnamed
      NOWHERE,
      KNOWN);

  static final List<RouteNote> NOTES = RouteGuideClient.chatNotes();

  private RouteGuideChecks() {}

  static void checkKnownFeature(Feature feature) {
    assertThat(feature.getName()).isEqualTo(KNOWN_NAME);
    assertThat(feature.getLocation()).isEqualTo(KNOWN);
  }

  static void checkNoFeature(Feature feature) {
    assertThat(feature.getName()).isEmpty();
    assertThat(feature.getLocation()).isEqualTo(NOWHERE);
  }

  static void checkFeaturesInRectangle(List<Feature> features) {
    assertThat(IN_RECTANGLE).hasSize(64);
    assertThat(features).containsExactlyElementsOf(IN_RECTANGLE);
  }

  static void checkSummary(RouteSummary summary) {
    int distance = 0;
    for (int i = 1; i < ROUTE.size(); i++) {
      distance += Features.distance(ROUTE.get(i - 1), ROUTE.get(i));
    }
    assertThat(summary.getPointCount()).isEqualTo(5);
    assertThat(summary.getFeatureCount()).isEqualTo(3);
    assertThat(summary.getDistance()).isEqualTo(distance).isGreaterThan(10_000_000);
    assertThat(summary.getElapsedTime()).isBetween(0, 30);
  }

  /** A fresh server answers each of the last three notes with the first note at its place. */
  static void checkChat(List<RouteNote> received) {
    assertThat(received).containsExactly(NOTES.get(0), NOTES.get(1), NOTES.get(2));
    for (int i = 0; i < 3; i++) {
      assertThat(NOTES.get(i + 3).getLocation()).isEqualTo(received.get(i).getLocation());
    }
  }
}
