package io.conduit.internal.resolver;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class NameResolverRegistryTest {
  private final NameResolverRegistry registry = new NameResolverRegistry(List.of());

  @Test
  void aPlainHostIsADnsTarget() {
    assertThat(registry.normalize("example.com:443")).isEqualTo(URI.create("dns:///example.com:443"));
  }

  @Test
  void charactersAUriMustEscapeAreQuoted() {
    URI uri = registry.normalize("unix:///tmp/my socket");
    assertThat(uri.getScheme()).isEqualTo("unix");
    assertThat(uri.getPath()).isEqualTo("/tmp/my socket");
    assertThat(registry.normalize(uri.toString())).isEqualTo(uri);
  }

  @Test
  void aQuotedPathThatStartsWithTwoSlashesStaysAPath() {
    // Found by NameResolverRegistryFuzzTest: quoted without its empty authority, the path
    // "//tmp/my socket" printed as "unix://tmp/my%20socket", whose host is "tmp".
    URI uri = registry.normalize("unix:////tmp/my socket");
    assertThat(uri.getPath()).isEqualTo("//tmp/my socket");
    assertThat(uri.getHost()).isNull();
    assertThat(registry.normalize(uri.toString())).isEqualTo(uri);
  }
}
