package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void parsesEveryKindOfValue() {
    Object v = Json.parse(" {\"a\": [1, -2.5, 3e2, true, false, null], \"b\": {\"c\": \"x\\n\\u00e9\\\"\\/\"}} ");
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("a", Arrays.asList(1.0, -2.5, 300.0, true, false, null));
    expected.put("b", Map.of("c", "x\n\u00e9\"/"));
    assertThat(v).isEqualTo(expected);
    assertThat(Json.parse("[]")).isEqualTo(List.of());
    assertThat(Json.parse("{}")).isEqualTo(Map.of());
    assertThat(Json.parse("\"\\ud83d\\ude00\"")).isEqualTo("\uD83D\uDE00");
    assertThat(Json.parse("0")).isEqualTo(0.0);
    assertThat(Json.parse("-0.5E-1")).isEqualTo(-0.05);
  }

  @Test
  void resultsAreImmutable() {
    Map<String, Object> m = Json.parseObject("{\"a\":[1]}");
    assertThatThrownBy(() -> m.put("b", 1)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsInvalidJson() {
    for (String bad : List.of("", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "'a'",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u+041\"", "\"\\u-041\"", "tru", "nul", "1.", "01",
        "-", "1e", ".5", "+1", "1.2.3", "NaN", "Infinity", "[1] [2]", "{\"a\":1,\"a\":2}",
        "\"tab\there\"")) {
      assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid JSON");
    }
  }

  @Test
  void deepNestingIsAnErrorNotAStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deep");
    String fine = "[".repeat(50) + "]".repeat(50);
    assertThat(Json.parse(fine)).isInstanceOf(List.class);
  }

  @Test
  void parseObjectWantsAnObject() {
    assertThatThrownBy(() -> Json.parseObject("[1]")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("object");
  }

  @Test
  void writeGivesTextThatParsesBackTheSame() {
    String text = "{\"s\":\"q\\\"b\\\\n\\n\\u0001\u00e9\",\"n\":[0,-0.0,1,-2.5,1e-5,3e20,1e999,"
        + "12345678901234567],\"b\":[true,false,null],\"o\":{},\"l\":[]}";
    Object parsed = Json.parse(text);
    String written = Json.write(parsed);
    assertThat(Json.parse(written)).isEqualTo(parsed);
    assertThat(Json.write(Json.parse("{\"a\":[1,\"x\"],\"b\":{\"c\":null}}")))
        .isEqualTo("{\"a\":[1,\"x\"],\"b\":{\"c\":null}}");
  }
}
