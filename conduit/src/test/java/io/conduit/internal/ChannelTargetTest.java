package io.conduit.internal;

import static io.conduit.internal.ChannelTesting.who;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.internal.netty.EventLoops;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 4, check 4: the target forms of doc/naming.md, and clear errors for bad ones. */
@Timeout(30)
class ChannelTargetTest {

  @Test
  void unixSocketTargets(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("conduit test.sock");
    try (Backend backend = Backend.start("uds", UnixDomainSocketAddress.of(socket))) {
      for (String target : new String[] {"unix:" + socket, "unix://" + socket}) {
        try (Channel channel = Channel.builder(target).build()) {
          assertThat(who(channel)).as(target).isEqualTo(backend.id);
          assertThat(channel.authority()).isEqualTo("localhost");
        }
      }
      // A relative path, resolved against the working directory.
      Path relative = Path.of("").toAbsolutePath().relativize(socket);
      try (Channel channel = Channel.builder("unix:" + relative).build()) {
        assertThat(who(channel)).isEqualTo("uds");
      }
    }
    assertThat(Files.exists(socket)).as("socket file removed on shutdown").isFalse();
  }

  @Test
  void abstractUnixSocketTargets() throws Exception {
    assumeTrue(EventLoops.EPOLL, "abstract Unix sockets need Linux and the epoll transport");
    // Unique per run: the abstract namespace is host-wide (per network namespace), not per dir.
    String name = "conduit-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try (Backend backend = Backend.start("abstract", EventLoops.abstractUnixAddress(name))) {
      assertThat(backend.server().toString()).contains("unix-abstract:" + name);
      try (Channel channel = Channel.builder("unix-abstract:" + name).build()) {
        assertThat(who(channel)).isEqualTo("abstract");
        assertThat(channel.authority()).isEqualTo("localhost");
      }
      // Percent-encoding decodes (doc/naming.md).
      try (Channel channel = Channel.builder("unix-abstract:" + name.replace("-", "%2D")).build()) {
        assertThat(who(channel)).isEqualTo("abstract");
      }
      try (Channel channel = Channel.builder("unix-abstract:" + name + "-other")
          .build()) {
        assertThatThrownBy(() -> who(channel)).hasMessageContaining("UNAVAILABLE");
      }
    }
    // A leading slash is part of the name, not a path.
    try (Backend backend = Backend.start("slash", EventLoops.abstractUnixAddress("/" + name));
        Channel channel = Channel.builder("unix-abstract:/" + name).build()) {
      assertThat(who(channel)).isEqualTo(backend.id);
    }
  }

  @Test
  void serverListensOnAbstractUnixSocket() throws Exception {
    assumeTrue(EventLoops.EPOLL, "abstract Unix sockets need Linux and the epoll transport");
    String name = "conduit-builder-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try (Server server = Server.builder().abstractUnixSocket(name)
        .service(io.conduit.ServiceDefinition.builder("test.Empty").build()).build().start()) {
      assertThat(server.port()).isEqualTo(-1);
      assertThat(server.toString()).contains("unix-abstract:" + name);
    }
    assertThatThrownBy(() -> Server.builder().abstractUnixSocket(""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ipv6Target() throws Exception {
    assumeTrue(ipv6LoopbackWorks(), "::1 is not available here");
    try (Backend backend = Backend.start("v6", "::1", 0);
        Channel channel = Channel.builder("ipv6:[::1]:" + backend.port()).build()) {
      assertThat(who(channel)).isEqualTo("v6");
      assertThat(channel.authority()).isEqualTo("[::1]:" + backend.port());
    }
  }

  @Test
  void ipv6ViaDnsAndForAddress() throws Exception {
    assumeTrue(ipv6LoopbackWorks(), "::1 is not available here");
    try (Backend backend = Backend.start("v6", "::1", 0)) {
      try (Channel channel = Channel.builder("dns:///[::1]:" + backend.port()).build()) {
        assertThat(who(channel)).isEqualTo("v6");
      }
      try (Channel channel = Channel.forAddress("::1", backend.port()).build()) {
        assertThat(who(channel)).isEqualTo("v6");
        assertThat(channel.authority()).isEqualTo("[::1]:" + backend.port());
      }
      try (Channel channel = Channel.builder("[::1]:" + backend.port()).build()) {
        assertThat(who(channel)).isEqualTo("v6");
      }
    }
  }

  @Test
  void bareHostPortAndDnsForms() throws Exception {
    try (Backend backend = Backend.start("local", "127.0.0.1", 0)) {
      int port = backend.port();
      for (String target : new String[] {"localhost:" + port, "127.0.0.1:" + port,
          "dns:///localhost:" + port, "dns:localhost:" + port, "DNS:///localhost:" + port,
          "ipv4:127.0.0.1:" + port, "IPv4:127.0.0.1:" + port}) {
        try (Channel channel = Channel.builder(target).build()) {
          assertThat(who(channel)).as(target).isEqualTo("local");
        }
      }
      try (Channel channel = Channel.forAddress("localhost", port).build()) {
        assertThat(channel.authority()).isEqualTo("localhost:" + port);
        assertThat(who(channel)).isEqualTo("local");
      }
    }
  }

  @Test
  void invalidTargetsFailBuild() {
    assertBuildFails("", "empty target");
    assertBuildFails("ipv4:", "ipv4");
    assertBuildFails("ipv4:127.0.0.1:99999", "port out of range");
    assertBuildFails("ipv4:127.0.0.1:http", "invalid port");
    assertBuildFails("ipv4:example.com:80", "not an IPv4 address");
    assertBuildFails("ipv4:[::1]:80", "not an IPv4 address");
    assertBuildFails("ipv4:127.0.0.1:80,", "empty host");
    assertBuildFails("ipv6:127.0.0.1:80", "not an IPv6 address");
    assertBuildFails("ipv6:[::1:80", "unclosed '['");
    assertBuildFails("dns:///", "dns target without a host");
    assertBuildFails("dns://127.0.0.1:abc/foo:80", "invalid port");
    assertBuildFails("dns:///foo:0", "port out of range");
    assertBuildFails("unix:", "unix");
    assertBuildFails("unix://host/tmp/sock", "authority");
    assertBuildFails("unix-abstract:", "unix-abstract");
    assertBuildFails("localhost:-1", "port");
  }

  @Test
  void invalidPoliciesAndServiceConfigsFailBuild() {
    assertThatThrownBy(() -> Channel.builder("localhost:1").loadBalancingPolicy("wrr").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wrr");
    assertThatThrownBy(() -> Channel.builder("localhost:1").defaultServiceConfig("{").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service config")
        .hasMessageContaining("JSON");
    assertThatThrownBy(() -> Channel.builder("localhost:1").defaultServiceConfig("[]").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("object");
    assertThatThrownBy(() -> Channel.builder("localhost:1")
        .defaultServiceConfig("{\"loadBalancingConfig\":[{\"wrr\":{}}]}").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wrr");
    assertThatThrownBy(() -> Channel.builder("localhost:1")
        .defaultServiceConfig("{\"loadBalancingConfig\":{\"round_robin\":{}}}").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loadBalancingConfig");
    assertThatThrownBy(() -> Channel.builder("localhost:1")
        .defaultServiceConfig("{\"loadBalancingConfig\":[{\"round_robin\":{},\"pick_first\":{}}]}").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one");
    assertThatThrownBy(() -> Channel.builder("localhost:1")
        .defaultServiceConfig("{\"loadBalancingConfig\":[{\"round_robin\":[]}]}").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("round_robin");
    assertThatThrownBy(() -> Channel.builder("localhost:1")
        .defaultServiceConfig("{\"loadBalancingPolicy\":\"wrr\"}").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wrr");
    assertThatThrownBy(() -> Channel.builder("localhost:1")
        .defaultServiceConfig("{\"a\":1} x").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
    // The legacy field, in any case, and configs without a policy are fine.
    Channel.builder("localhost:1").defaultServiceConfig("{\"loadBalancingPolicy\":\"ROUND_ROBIN\"}")
        .build().close();
    Channel.builder("localhost:1").defaultServiceConfig("{\"methodConfig\":[]}").build().close();
  }

  @Test
  void invalidDnsSettingsFailBuild() {
    assertThatThrownBy(() -> Channel.builder("localhost:1")
        .dnsRefreshPeriod(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dnsRefreshPeriod");
    assertThatThrownBy(() -> Channel.builder("localhost:1")
        .dnsMinRefreshInterval(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dnsMinRefreshInterval");
    assertThatThrownBy(() -> Channel.builder("localhost:1")
        .reconnectBackoff(Duration.ofSeconds(1), 0.5, 0.2, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiplier");
  }

  @Test
  void unknownSchemeIsAHostName() {
    // doc/naming.md: a target whose scheme no resolver handles is a DNS name.
    try (Channel channel = Channel.builder("myhost:8080").build()) {
      assertThat(channel.authority()).isEqualTo("myhost:8080");
    }
  }

  private static void assertBuildFails(String target, String message) {
    assertThatThrownBy(() -> Channel.builder(target).build()).as(target)
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  static boolean ipv6LoopbackWorks() {
    try (ServerSocket s = new ServerSocket()) {
      InetAddress loopback = InetAddress.getByName("::1");
      s.bind(new InetSocketAddress(loopback, 0));
      return loopback instanceof Inet6Address;
    } catch (IOException e) {
      return false;
    }
  }
}
