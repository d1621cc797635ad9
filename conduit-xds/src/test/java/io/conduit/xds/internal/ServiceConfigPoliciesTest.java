package io.conduit.xds.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ClientInterceptor;
import io.conduit.Marshaller;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.FakeClock;
import io.conduit.xds.orca.OrcaReporting;
import io.conduit.xds.orca.ServerMetricRecorder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The policies this module registers, named in a channel's service config without xDS: the
 * channel finds them with ServiceLoader and balances over real servers on loopback. Their timers
 * run on the channel's fake clock.
 */
@Timeout(60)
class ServiceConfigPoliciesTest {
  private static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  /** Answers with the name of the server. */
  private static final MethodDescriptor<String, String> WHO =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Who/Name", STRING, STRING);

  private final List<Server> servers = new ArrayList<>();
  private final FakeClock clock = new FakeClock();

  @AfterEach
  void closeServers() {
    servers.forEach(Server::close);
  }

  /** A server named {@code name}; one whose name starts with "failing" fails every call. */
  private Server server(String name, ServerMetricRecorder load) {
    ServiceDefinition who = ServiceDefinition.builder("test.Who")
        .method(WHO, ServerCalls.unary((request, response) -> {
          if (name.startsWith("failing")) {
            response.onError(Status.INTERNAL.withDescription(name + " fails").asException());
            return;
          }
          response.onNext(name);
          response.onCompleted();
        }))
        .build();
    Server.Builder builder = Server.builder().bind("127.0.0.1", 0).service(who);
    if (load != null) {
      builder.intercept(OrcaReporting.interceptor(load));
    }
    Server s = builder.build().start();
    servers.add(s);
    return s;
  }

  private Channel channel(String serviceConfig) {
    String target = "ipv4:" + servers.stream().map(s -> "127.0.0.1:" + s.port())
        .collect(Collectors.joining(","));
    return Channel.builder(target).plaintext().clock(clock).defaultServiceConfig(serviceConfig)
        .build();
  }

  private static String call(CallFactory channel) {
    return ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, "who?");
  }

  /** {@code n} calls: how many each server answered; failed calls count under "failed". */
  private static Map<String, Integer> spread(CallFactory channel, int n) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      String who;
      try {
        who = call(channel);
      } catch (StatusException e) {
        who = "failed";
      }
      counts.merge(who, 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void ringHashKeepsEachKeyOnOneServer() throws Exception {
    server("s0", null);
    server("s1", null);
    server("s2", null);
    try (Channel channel = channel("""
        {"loadBalancingConfig": [{"ring_hash_experimental": {"requestHashHeader": "x-user"}}]}""")) {
      Map<String, String> serverOf = new TreeMap<>();
      for (int round = 0; round < 3; round++) {
        for (int k = 0; k < 60; k++) {
          String key = "user-" + k;
          String who = call(ClientInterceptor.intercept(channel,
              List.of(ClientInterceptor.attachHeaders(new Metadata().add("x-user", key)))));
          String before = serverOf.putIfAbsent(key, who);
          assertThat(before == null || before.equals(who))
              .as("%s went to %s, then to %s", key, before, who).isTrue();
        }
      }
      assertThat(serverOf.values()).contains("s0", "s1", "s2");
    }
  }

  @Test
  void weightedRoundRobinFollowsReportedUtilization() throws Exception {
    server("light", ServerMetricRecorder.create().setApplicationUtilization(0.2).setQps(100));
    server("heavy", ServerMetricRecorder.create().setApplicationUtilization(0.8).setQps(100));
    try (Channel channel = channel("""
        {"loadBalancingConfig": [{"weighted_round_robin":
            {"blackoutPeriod": "0s", "weightUpdatePeriod": "1s"}}]}""")) {
      // Until the first update, both have the same weight.
      Map<String, Integer> before = spread(channel, 100);
      assertThat(before).containsOnlyKeys("light", "heavy");
      // The weights follow the reports (qps / utilization: 500 and 125) from the next update on.
      clock.advance(Duration.ofSeconds(1));
      Map<String, Integer> after = spread(channel, 1000);
      assertThat(after.getOrDefault("light", 0)).as("%s", after).isBetween(750, 850);
      assertThat(after.getOrDefault("failed", 0)).isZero();
    }
  }

  @Test
  void outlierDetectionEjectsTheServerThatFails() throws Exception {
    server("s0", null);
    server("s1", null);
    server("failing", null);
    try (Channel channel = channel("""
        {"loadBalancingConfig": [{"outlier_detection_experimental": {
            "interval": "1s", "baseEjectionTime": "30s", "maxEjectionPercent": 50,
            "failurePercentageEjection": {"threshold": 50, "minimumHosts": 3, "requestVolume": 5},
            "childPolicy": [{"round_robin": {}}]}}]}""")) {
      Map<String, Integer> before = spread(channel, 60);
      assertThat(before.getOrDefault("failed", 0)).as("%s", before).isBetween(15, 25);
      clock.advance(Duration.ofSeconds(1));
      // The ejection reaches the channel on its synchronization context. On a loaded machine
      // (1 run in 40 under two busy loops) the first call after advance() could still be placed
      // by the old picker, and no later one: allow that one call, then check strictly.
      Map<String, Integer> settling = spread(channel, 30);
      assertThat(settling.getOrDefault("failed", 0)).as("%s", settling).isLessThanOrEqualTo(1);
      Map<String, Integer> after = spread(channel, 60);
      assertThat(after).as("after the ejection").containsOnlyKeys("s0", "s1");
      // The ejection ends after its base time; the server fails again and is ejected again.
      clock.advance(Duration.ofSeconds(31));
      assertThat(spread(channel, 60).getOrDefault("failed", 0)).isPositive();
    }
  }
}
