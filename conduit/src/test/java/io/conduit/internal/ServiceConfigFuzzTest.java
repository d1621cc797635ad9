package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Service configs come from DNS TXT records and users: any text either parses or is refused with
 * IllegalArgumentException (never another exception, a stack overflow or a hang), and a JSON value
 * the parser accepts writes back to text that parses to an equal value.
 */
class ServiceConfigFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void jsonParsesOrIsRefusedAndRoundTrips(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    Object value;
    try {
      value = Json.parse(text);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    assertThat(Json.parse(Json.write(value))).isEqualTo(value);
  }

  @FuzzTest(maxDuration = "30s")
  void serviceConfigParsesOrIsRefused(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    try {
      ServiceConfig config = ServiceConfig.parse(text, "round_robin"::equals);
      assertThat(config).isNotNull();
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }
}
