package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.conduit.examples.routeguide.Features;
import io.grpc.examples.routeguide.Feature;
import io.grpc.examples.routeguide.Point;
import io.grpc.examples.routeguide.Rectangle;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped feature database and the route guide's geometry. */
class FeaturesTest {

  @Test
  void theStandardDatabaseLoads() {
    List<Feature> features = Features.load();
    assertThat(features).hasSize(100);
    assertThat(features).filteredOn(Features::exists).hasSize(64);
    assertThat(features.get(0).getName()).isEqualTo("Patriots Path, Mendham, NJ 07945, USA");
    assertThat(features.get(0).getLocation())
        .isEqualTo(Features.point(407838351, -746143763));
    assertThat(features.get(99).getName()).isEqualTo("3 Hasta Way, Newton, NJ 07860, USA");
  }

  @Test
  void parsesTheProtobufJsonForm() throws InvalidProtocolBufferException {
    List<Feature> features = Features.parse(
        "{\"feature\": [{\"location\": {\"latitude\": 1, \"longitude\": -2}, \"name\": \"x\"},"
            + " {\"location\": {}}]}");
    assertThat(features).containsExactly(
        Feature.newBuilder().setName("x").setLocation(Features.point(1, -2)).build(),
        Feature.newBuilder().setLocation(Point.getDefaultInstance()).build());
    assertThatThrownBy(() -> Features.parse("{\"features\": []}"))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void distanceIsInMetres() {
    Point origin = Features.point(0, 0);
    assertThat(Features.distance(origin, origin)).isZero();
    // One degree of latitude on a 6371 km sphere: 111.19 km.
    assertThat(Features.distance(origin, Features.point(10_000_000, 0))).isEqualTo(111_194);
    assertThat(Features.distance(Features.point(10_000_000, 0), origin)).isEqualTo(111_194);
  }

  @Test
  void rectanglesIncludeTheirBordersWhicheverCornerIsLo() {
    Rectangle rectangle = Rectangle.newBuilder()
        .setLo(Features.point(10, 10))
        .setHi(Features.point(0, 0))
        .build();
    assertThat(Features.contains(rectangle, Features.point(0, 10))).isTrue();
    assertThat(Features.contains(rectangle, Features.point(5, 5))).isTrue();
    assertThat(Features.contains(rectangle, Features.point(11, 5))).isFalse();
  }

  @Test
  void formatsDegrees() {
    assertThat(Features.format(Features.point(409146138, -746188906)))
        .isEqualTo("40.9146138, -74.6188906");
    assertThat(Features.format(Features.point(0, 10_000_000))).isEqualTo("0, 1");
  }
}
