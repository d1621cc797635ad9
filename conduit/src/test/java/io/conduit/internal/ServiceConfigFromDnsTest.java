package io.conduit.internal;

import static io.conduit.internal.ChannelTesting.statusOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ConnectivityState;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.CapturedLog;
import io.conduit.testing.Dnsmasq;
import io.conduit.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 8: service configs published in DNS TXT records (gRFC A2) reach the channel when it opts
 * in, with gRFC A21's handling of invalid ones; checked by the timeout a config gives the calls.
 */
@Timeout(60)
class ServiceConfigFromDnsTest {
  /** A config that gives test.Backend calls a 300 ms timeout. */
  static final String TIMEOUT = "{\"methodConfig\":[{\"name\":[{\"service\":\"test.Backend\"}],"
      + "\"timeout\":\"0.3s\"}]}";

  /** Retries test.Flaky calls that fail UNAVAILABLE. */
  static final String RETRY = "{\"methodConfig\":[{\"name\":[{\"service\":\"test.Flaky\"}],"
      + "\"retryPolicy\":{\"maxAttempts\":3,\"initialBackoff\":\"0.01s\",\"maxBackoff\":\"0.05s\","
      + "\"backoffMultiplier\":2,\"retryableStatusCodes\":[\"UNAVAILABLE\"]}}]}";
  static final MethodDescriptor<String, String> FLAKY = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Flaky/Call", Backend.STRING, Backend.STRING);

  static Backend backend;
  static Server flaky;
  /** How many of the next test.Flaky calls fail. */
  static final AtomicInteger flakyFailures = new AtomicInteger();
  static Dnsmasq dns;

  @BeforeAll
  static void start() throws Exception {
    backend = Backend.start("a", "127.0.0.1", 0);
    flaky = Server.builder().bind("127.0.0.1", 0).service(ServiceDefinition.builder("test.Flaky")
        .method(FLAKY, ServerCalls.unary((req, out) -> {
          if (flakyFailures.getAndDecrement() > 0) {
            throw Status.UNAVAILABLE.withDescription("flaky").asException();
          }
          out.onNext("ok");
          out.onCompleted();
        })).build()).build().start();
    List<String> local = List.of("127.0.0.1");
    dns = Dnsmasq.start(
        Map.of("timeout.test", local, "empty.test", local, "languages.test", local,
            "long.test", local, "invalid.test", local, "retry.test", local),
        Map.of("_grpc_config.timeout.test", txt("[{\"serviceConfig\":" + TIMEOUT + "}]"),
            "_grpc_config.empty.test", txt("[{\"serviceConfig\":{}}]"),
            "_grpc_config.languages.test", txt("[{\"clientLanguage\":[\"go\"],\"serviceConfig\":{}},"
                + "{\"clientLanguage\":[\"c++\",\"JAVA\"],\"serviceConfig\":" + TIMEOUT + "}]"),
            "_grpc_config.long.test", txt("[{\"serviceConfig\":" + longTimeoutConfig() + "}]"),
            "_grpc_config.invalid.test", txt("[{\"serviceConfig\":{},\"canary\":true}]"),
            "_grpc_config.retry.test", txt("[{\"serviceConfig\":" + RETRY + "}]")));
  }

  @AfterAll
  static void stop() {
    if (dns != null) {
      dns.close();
    }
    if (backend != null) {
      backend.close();
    }
    if (flaky != null) {
      flaky.close();
    }
  }

  static List<String> txt(String choices) {
    return List.of("grpc_config=" + choices);
  }

  /** {@link #TIMEOUT}'s effect in a config longer than two TXT strings. */
  static String longTimeoutConfig() {
    StringBuilder names = new StringBuilder("{\"service\":\"test.Backend\"}");
    for (int i = 0; names.length() < 600; i++) {
      names.append(",{\"service\":\"conduit.test.Padding").append(i).append("\"}");
    }
    return "{\"methodConfig\":[{\"name\":[" + names + "],\"timeout\":\"0.3s\"}]}";
  }

  /** The channels' clock: a config's timeout passes when the test advances it. */
  final FakeClock clock = new FakeClock();

  Channel.Builder channel(String name) {
    return Channel.builder("dns://127.0.0.1:" + dns.port() + "/" + name + ":" + backend.port())
        .clock(clock);
  }

  /**
   * How a call that takes 800 ms on the clock ends: OK, or DEADLINE_EXCEEDED under
   * {@link #TIMEOUT}. The backend holds it while the clock moves on, then answers.
   */
  Status.Code slowCall(Channel channel) {
    CompletableFuture<String> call = ClientCalls.futureUnary(channel, Backend.WHO,
        CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "hold");
    try {
      ChannelTesting.await("the call on the backend", Duration.ofSeconds(5), () -> backend.held.get() == 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    clock.advance(Duration.ofMillis(800));
    backend.releaseHeld();
    return statusOf(call).code();
  }

  static Status quickCall(Channel channel) {
    return statusOf(ClientCalls.futureUnary(channel, Backend.WHO,
        CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "who"));
  }

  @Test
  void txtConfigAppliesOnlyWhenOptedIn() {
    try (Channel off = channel("timeout.test").build()) {
      assertThat(slowCall(off)).isEqualTo(Status.Code.OK);
    }
    try (Channel on = channel("timeout.test").lookUpServiceConfigInDns(true).build()) {
      assertThat(slowCall(on)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void retryPolicyFromTxtMakesTheFirstCallSucceedDespiteOneFailure() {
    String target = "dns://127.0.0.1:" + dns.port() + "/retry.test:" + flaky.port();
    try (Channel off = Channel.builder(target).build()) {
      flakyFailures.set(1);
      assertThat(statusOf(ClientCalls.futureUnary(off, FLAKY, CallOptions.DEFAULT, "x")).code())
          .isEqualTo(Status.Code.UNAVAILABLE);
    }
    try (Channel on = Channel.builder(target).lookUpServiceConfigInDns(true).build()) {
      flakyFailures.set(1);
      // The first call on a new channel: made before DNS answered, it waits for the config.
      assertThat(ClientCalls.blockingUnary(on, FLAKY,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "x")).isEqualTo("ok");
      assertThat(flakyFailures.get()).as("the failure was used up").isNegative();
    }
  }

  @Test
  void txtConfigOverridesTheDefault() {
    try (Channel channel = channel("empty.test").defaultServiceConfig(TIMEOUT)
        .lookUpServiceConfigInDns(true).build()) {
      assertThat(slowCall(channel)).isEqualTo(Status.Code.OK);
    }
  }

  @Test
  void disablingServiceConfigLookUpLeavesOnlyTheDefault() throws Exception {
    int txtQueries = dns.queriesFor("_grpc_config.empty.test");
    try (Channel channel = channel("empty.test").defaultServiceConfig(TIMEOUT)
        .lookUpServiceConfigInDns(true).serviceConfigFromResolver(false).build()) {
      assertThat(slowCall(channel)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
    try (Channel channel = channel("timeout.test").lookUpServiceConfigInDns(true)
        .serviceConfigFromResolver(false).build()) {
      assertThat(slowCall(channel)).isEqualTo(Status.Code.OK);
    }
    assertThat(dns.queriesFor("_grpc_config.empty.test")).as("TXT queries").isEqualTo(txtQueries);
  }

  @Test
  void choicesForOtherLanguagesAreSkipped() {
    try (Channel channel = channel("languages.test").lookUpServiceConfigInDns(true).build()) {
      assertThat(slowCall(channel)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void txtConfigSplitIntoSeveralStringsIsJoined() {
    assertThat(("grpc_config=" + longTimeoutConfig()).length()).isGreaterThan(2 * 255);
    try (Channel channel = channel("long.test").lookUpServiceConfigInDns(true).build()) {
      assertThat(slowCall(channel)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void invalidTxtConfigFallsBackToTheDefaultAndIsLogged() {
    try (CapturedLog log = CapturedLog.of(ChannelImpl.class);
        Channel channel = channel("invalid.test").defaultServiceConfig(TIMEOUT)
            .lookUpServiceConfigInDns(true).build()) {
      assertThat(quickCall(channel).code()).isEqualTo(Status.Code.OK);
      assertThat(slowCall(channel)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(log.messages(Level.WARNING)).anySatisfy(m -> assertThat(m)
          .contains("invalid service config").contains("_grpc_config.invalid.test")
          .contains("unknown field 'canary'").contains("default service config"));
    }
  }

  @Test
  void invalidTxtConfigWithoutDefaultFailsCalls() throws Exception {
    int served = backend.calls.get();
    try (CapturedLog log = CapturedLog.of(ChannelImpl.class);
        Channel channel = channel("invalid.test").lookUpServiceConfigInDns(true).build()) {
      Status s = quickCall(channel);
      assertThat(s.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(s.description()).contains("invalid service config")
          .contains("_grpc_config.invalid.test").contains("unknown field 'canary'");
      assertThat(channel.state(false)).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
      assertThat(log.messages(Level.SEVERE)).anySatisfy(m -> assertThat(m).contains("canary"));
    }
    assertThat(backend.calls.get()).as("calls served").isEqualTo(served);
  }
}
