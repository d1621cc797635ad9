package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code --server_host} as a host or a target URI, and the default port. */
class TargetsTest {

  @Test
  void hostsAreNotUris() {
    assertThat(Targets.isUri("localhost")).isFalse();
    assertThat(Targets.isUri("127.0.0.1")).isFalse();
    assertThat(Targets.isUri("::1")).isFalse();
    assertThat(Targets.isUri("fe80::1")).isFalse();
    assertThat(Targets.isUri("example.com")).isFalse();
  }

  @Test
  void targetsAreUris() {
    assertThat(Targets.isUri("ipv4:127.0.0.1:5001,127.0.0.2:5001")).isTrue();
    assertThat(Targets.isUri("ipv6:[::1]:5001")).isTrue();
    assertThat(Targets.isUri("dns:///localhost:5001")).isTrue();
    assertThat(Targets.isUri("dns://127.0.0.1:5353/backends.test")).isTrue();
    assertThat(Targets.isUri("DNS:///localhost")).isTrue();
    assertThat(Targets.isUri("unix:/tmp/s.sock")).isTrue();
    assertThat(Targets.isUri("unix-abstract:name")).isTrue();
    assertThat(Targets.isUri("custom://authority/name")).isTrue();
  }

  @Test
  void defaultPortGoesWhereNoPortIsNamed() {
    assertThat(Targets.withDefaultPort("ipv4:127.0.0.1,127.0.0.2:6000", 5001))
        .isEqualTo("ipv4:127.0.0.1:5001,127.0.0.2:6000");
    assertThat(Targets.withDefaultPort("ipv6:[::1],[::2]:6000,::3", 5001))
        .isEqualTo("ipv6:[::1]:5001,[::2]:6000,[::3]:5001");
    assertThat(Targets.withDefaultPort("dns:///localhost", 5001))
        .isEqualTo("dns:///localhost:5001");
    assertThat(Targets.withDefaultPort("dns:///localhost:6000", 5001))
        .isEqualTo("dns:///localhost:6000");
    assertThat(Targets.withDefaultPort("dns://127.0.0.1:5353/backends.test", 5001))
        .isEqualTo("dns://127.0.0.1:5353/backends.test:5001");
    assertThat(Targets.withDefaultPort("dns:backends.test", 5001))
        .isEqualTo("dns:backends.test:5001");
    assertThat(Targets.withDefaultPort("dns:///[::1]", 5001)).isEqualTo("dns:///[::1]:5001");
  }

  @Test
  void otherTargetsStayAsTheyAre() {
    assertThat(Targets.withDefaultPort("unix:/tmp/s.sock", 5001)).isEqualTo("unix:/tmp/s.sock");
    assertThat(Targets.withDefaultPort("unix-abstract:name", 5001)).isEqualTo("unix-abstract:name");
    assertThat(Targets.withDefaultPort("custom://authority/name", 5001))
        .isEqualTo("custom://authority/name");
  }
}
