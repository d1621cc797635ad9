package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * {@code grpc-message}: any text a peer sends decodes without failing, and whatever a status says
 * survives the trip through the header: encoded, it is printable ASCII, and it decodes to itself.
 */
class StatusMessageFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anyHeaderValueDecodes(FuzzedDataProvider data) {
    String value = data.consumeRemainingAsString();
    String decoded = StatusMessage.decode(value);
    if (value.indexOf('%') < 0) {
      assertThat(decoded).isEqualTo(value);
    }
    if (!ESCAPE.matcher(value).find()) {
      // Only %XX with ASCII hex digits is an escape: anything else stays as it came (as UTF-8,
      // so an unpaired surrogate becomes '?').
      assertThat(decoded).isEqualTo(utf8RoundTrip(value));
    }
  }

  @FuzzTest(maxDuration = "30s")
  void messagesSurviveTheHeader(FuzzedDataProvider data) {
    String message = data.consumeRemainingAsString();
    String encoded = StatusMessage.encode(message);
    assertThat(encoded.chars().allMatch(c -> c >= ' ' && c <= '~')).as(encoded).isTrue();
    // Unpaired surrogates cannot be UTF-8: they come back as '?', as Java's encoder writes them.
    assertThat(StatusMessage.decode(encoded)).isEqualTo(utf8RoundTrip(message));
  }

  private static final java.util.regex.Pattern ESCAPE = java.util.regex.Pattern.compile("%[0-9A-Fa-f]{2}");

  private static String utf8RoundTrip(String s) {
    return new String(s.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.nio.charset.StandardCharsets.UTF_8);
  }
}
