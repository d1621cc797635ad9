package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Metadata as it comes off the wire: any key and value are taken or refused with
 * IllegalArgumentException, nothing else; binary values, padded or not and joined by commas as
 * peers may send them, decode to exactly the bytes that were encoded.
 */
class MetadataFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void wireValuesAreTakenOrRefused(FuzzedDataProvider data) {
    String key = data.consumeString(40);
    String value = data.consumeRemainingAsString();
    Metadata md = new Metadata();
    try {
      md.addWireValue(key, value);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    assertThat(md.entries()).isNotEmpty();
  }

  @FuzzTest(maxDuration = "30s")
  void binaryValuesDecodeToTheirBytes(FuzzedDataProvider data) {
    List<byte[]> values = new ArrayList<>();
    List<String> encoded = new ArrayList<>();
    int n = data.consumeInt(1, 4);
    for (int i = 0; i < n; i++) {
      byte[] v = data.consumeBytes(data.consumeInt(0, 48));
      values.add(v);
      encoded.add(data.consumeBoolean() ? Base64.getEncoder().encodeToString(v)
          : Base64.getEncoder().withoutPadding().encodeToString(v));
    }
    Metadata md = new Metadata().addWireValue("trace-bin", String.join(",", encoded));
    List<byte[]> got = md.getAllBinary("trace-bin");
    assertThat(got).hasSameSizeAs(values);
    for (int i = 0; i < n; i++) {
      assertThat(got.get(i)).isEqualTo(values.get(i));
    }
  }
}
