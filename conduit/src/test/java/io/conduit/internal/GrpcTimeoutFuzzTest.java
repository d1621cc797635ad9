package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * {@code grpc-timeout} from a peer is untrusted text: it parses to a non-negative timeout or is
 * refused with IllegalArgumentException, nothing else; and what the encoder writes parses back to
 * at most the timeout it encoded (units only get coarser, never longer).
 */
class GrpcTimeoutFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void parseAcceptsOrRefuses(FuzzedDataProvider data) {
    String value = data.consumeRemainingAsString();
    long nanos;
    try {
      nanos = GrpcTimeout.parse(value);
    } catch (IllegalArgumentException refused) {
      assertThat(refused).hasMessageContaining("grpc-timeout");
      return;
    }
    assertThat(nanos).isNotNegative();
    assertThat(value).matches("[0-9]{1,8}[numSMH]");
  }

  @FuzzTest(maxDuration = "30s")
  void encodedTimeoutsParseBack(long nanos) {
    String encoded = GrpcTimeout.encode(nanos);
    assertThat(encoded.length()).isBetween(2, 9);
    long parsed = GrpcTimeout.parse(encoded);
    assertThat(parsed).isLessThanOrEqualTo(Math.max(0, nanos));
    if (nanos >= 0 && nanos <= 99_999_999L) {
      assertThat(parsed).isEqualTo(nanos);
    }
    assertThatThrownBy(() -> GrpcTimeout.parse(encoded + "0")).isInstanceOf(IllegalArgumentException.class);
  }
}
