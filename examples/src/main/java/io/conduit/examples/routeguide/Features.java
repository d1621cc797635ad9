package io.conduit.examples.routeguide;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.examples.routeguide.Feature;
import io.grpc.examples.routeguide.FeatureDatabase;
import io.grpc.examples.routeguide.Point;
import io.grpc.examples.routeguide.Rectangle;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The feature database and the geometry the route guide needs. */
public final class Features {
  private static final double E7 = 1e7;
  private static final double EARTH_RADIUS_METRES = 6_371_000;

  private Features() {}

  /** The standard route guide database shipped with the examples: 100 features, 64 named. */
  public static List<Feature> load() {
    try (InputStream in = Features.class.getResourceAsStream("route_guide_db.json")) {
      if (in == null) {
        throw new IllegalStateException("route_guide_db.json is not on the classpath");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The features of a database in the protobuf JSON form of {@code FeatureDatabase}:
   * {@code {"feature": [{"location": {"latitude": ..., "longitude": ...}, "name": "..."}, ...]}}.
   */
  public static List<Feature> parse(String json) throws InvalidProtocolBufferException {
    FeatureDatabase.Builder db = FeatureDatabase.newBuilder();
    JsonFormat.parser().merge(json, db);
    return db.getFeatureList();
  }

  /** Whether {@code feature} names something: an empty name means nothing is known there. */
  public static boolean exists(Feature feature) {
    return !feature.getName().isEmpty();
  }

  /** Whether {@code point} lies in {@code rectangle}, borders included, whichever corner is which. */
  public static boolean contains(Rectangle rectangle, Point point) {
    Point lo = rectangle.getLo();
    Point hi = rectangle.getHi();
    return point.getLatitude() >= Math.min(lo.getLatitude(), hi.getLatitude())
        && point.getLatitude() <= Math.max(lo.getLatitude(), hi.getLatitude())
        && point.getLongitude() >= Math.min(lo.getLongitude(), hi.getLongitude())
        && point.getLongitude() <= Math.max(lo.getLongitude(), hi.getLongitude());
  }

  /** The great-circle distance between two points in whole metres (the haversine formula). */
  public static int distance(Point from, Point to) {
    double lat1 = Math.toRadians(from.getLatitude() / E7);
    double lat2 = Math.toRadians(to.getLatitude() / E7);
    double dLat = lat2 - lat1;
    double dLon = Math.toRadians((to.getLongitude() - from.getLongitude()) / E7);
    double a = Math.pow(Math.sin(dLat / 2), 2)
        + Math.cos(lat1) * Math.cos(lat2) * Math.pow(Math.sin(dLon / 2), 2);
    return (int) (EARTH_RADIUS_METRES * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a)));
  }

  /** {@code point} in degrees, e.g. {@code 40.9146138, -74.6188906}. */
  public static String format(Point point) {
    return degrees(point.getLatitude()) + ", " + degrees(point.getLongitude());
  }

  private static String degrees(int e7) {
    return BigDecimal.valueOf(e7, 7).stripTrailingZeros().toPlainString();
  }

  public static Point point(int latitude, int longitude) {
    return Point.newBuilder().setLatitude(latitude).setLongitude(longitude).build();
  }
}
