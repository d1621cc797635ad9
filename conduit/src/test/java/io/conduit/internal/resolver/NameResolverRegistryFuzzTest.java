package io.conduit.internal.resolver;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URI;
import java.util.List;

/**
 * Any target string a user writes becomes a URI with a scheme the registry knows, or is refused
 * with IllegalArgumentException saying why; a normalized target normalizes to itself.
 */
class NameResolverRegistryFuzzTest {
  private static final NameResolverRegistry REGISTRY = new NameResolverRegistry(List.of());

  @FuzzTest(maxDuration = "30s")
  void targetsNormalizeOrAreRefused(FuzzedDataProvider data) {
    String target = data.consumeRemainingAsString();
    URI uri;
    try {
      uri = REGISTRY.normalize(target);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    assertThat(uri.getScheme()).isNotNull();
    assertThat(REGISTRY.normalize(uri.toString())).isEqualTo(uri);
  }
}
