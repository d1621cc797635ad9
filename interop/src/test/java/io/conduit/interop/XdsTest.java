package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.Channel;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.xds.XdsResolverProvider;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.TestServiceRpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Conduit's xDS client against a real management server, java-control-plane (in a JVM of its
 * own), with grpc-java's xDS client (grpc-xds, in its own JVM too) given the same snapshots: both
 * spread and split the same way. Backends are Conduit interop servers on 127.0.0.1 to 127.0.0.4
 * that answer with their server_id.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class XdsTest {
  private static final String SERVICE = "greeter";
  private static final String TARGET = "xds:///" + SERVICE;
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(30);
  private final AtomicInteger versions = new AtomicInteger();
  private XdsControlPlaneProcess controlPlane;
  private ConduitBackends backends;
  /** A backend on 127.0.0.5 that fails every call UNAVAILABLE. */
  private io.conduit.Server failing;
  /** Two backends on 127.0.0.6 and .7 that report their load (ORCA) as these recorders say. */
  private final List<io.conduit.xds.orca.ServerMetricRecorder> loads = List.of(
      io.conduit.xds.orca.ServerMetricRecorder.create(),
      io.conduit.xds.orca.ServerMetricRecorder.create());
  private final List<io.conduit.Server> reporting = new java.util.ArrayList<>();
  /** Two more on 127.0.0.8 and .9 that report the same loads out of band only (no trailers). */
  private final List<io.conduit.Server> reportingOutOfBand = new java.util.ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    controlPlane = XdsControlPlaneProcess.start();
    backends = ConduitBackends.start(4, "xds-backend-");
    failing = InteropServer.builder(new TestServiceImpl("failing"))
        .bind("127.0.0.5", 0)
        .intercept(new io.conduit.ServerInterceptor() {
          @Override
          public <Q, R> io.conduit.ServerCall.Listener<Q> interceptCall(
              io.conduit.ServerCall<Q, R> call, io.conduit.Metadata headers,
              io.conduit.ServerCallHandler<Q, R> next) {
            call.close(Status.UNAVAILABLE.withDescription("this backend fails every call"),
                new io.conduit.Metadata());
            return new io.conduit.ServerCall.Listener<>() {};
          }
        })
        .build().start();
    for (int i = 0; i < 2; i++) {
      reportingOutOfBand.add(InteropServer.builder(new TestServiceImpl("orca-oob-" + i))
          .bind("127.0.0." + (8 + i), 0)
          .service(io.conduit.xds.orca.OrcaReporting.service(loads.get(i), Duration.ofMillis(100)))
          .build().start());
      reporting.add(InteropServer.builder(new TestServiceImpl("orca-" + i))
          .bind("127.0.0." + (6 + i), 0)
          .intercept(io.conduit.xds.orca.OrcaReporting.interceptor(loads.get(i)))
          .build().start());
    }
  }

  @AfterAll
  void stop() throws Exception {
    reporting.forEach(io.conduit.Server::close);
    reportingOutOfBand.forEach(io.conduit.Server::close);
    if (failing != null) {
      failing.close();
    }
    if (backends != null) {
      backends.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  private XdsSnapshot snapshot() {
    return new XdsSnapshot("v" + versions.incrementAndGet()).listener(SERVICE, "routes");
  }

  /** One cluster, {@code c1}, over backends {@code indexes} (from 0) in one locality. */
  private XdsSnapshot oneCluster(int... indexes) {
    return snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1")
        .endpoints("c1", XdsSnapshot.Locality.of("z1", addresses(indexes)));
  }

  private java.net.InetSocketAddress[] addresses(int... indexes) {
    java.net.InetSocketAddress[] a = new java.net.InetSocketAddress[indexes.length];
    for (int i = 0; i < indexes.length; i++) {
      a[i] = backends.address(indexes[i]);
    }
    return a;
  }

  private String id(int index) {
    return backends.serverIds().get(index);
  }

  private Channel conduitChannel(String nodeId) {
    return Channel.builder(TARGET).plaintext()
        .nameResolver(XdsResolverProvider.withBootstrap(controlPlane.bootstrap(nodeId)))
        .build();
  }

  private static TestServiceRpc.BlockingClient client(Channel channel) {
    return TestServiceRpc.newBlockingClient(channel).withDeadline(Duration.ofSeconds(20));
  }

  /** {@code n} unary calls; how many each backend answered. */
  private static Map<String, Integer> spread(Channel channel, int n) {
    Map<String, Integer> counts = new TreeMap<>();
    SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
    TestServiceRpc.BlockingClient client = client(channel);
    for (int i = 0; i < n; i++) {
      counts.merge(client.unaryCall(request).getServerId(), 1, Integer::sum);
    }
    return counts;
  }

  /** grpc-java's xDS client: {@code n} unary calls to {@code xds:///greeter}. */
  private Map<String, Integer> grpcJavaSpread(String nodeId, int n) throws Exception {
    GrpcJavaPeer.Result result = GrpcJavaPeer.run(GrpcJavaPeer.LB_CLIENT_CLASS,
        List.of("--target=" + TARGET, "--num_times=" + n), PEER_TIMEOUT,
        Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", controlPlane.bootstrap(nodeId)));
    assertThat(result.exitCode())
        .as("grpc-java's xDS client; its output:%n%s%ncontrol plane:%n%s", result.output(),
            controlPlane.log())
        .isZero();
    return new TreeMap<>(InteropTestSupport.backends(result.output()));
  }

  /** Calls until {@code done} holds for the spread of the last 20 calls. */
  private static void awaitSpread(Channel channel, Predicate<Map<String, Integer>> done)
      throws Exception {
    long deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
    Map<String, Integer> last = Map.of();
    while (System.nanoTime() < deadline) {
      last = spread(channel, 20);
      if (done.test(last)) {
        return;
      }
    }
    throw new AssertionError("the spread never changed as expected; last: " + last);
  }

  @Test
  void roundRobinOverOneClustersEndpoints() throws Exception {
    controlPlane.snapshot(oneCluster(0, 1, 2));
    try (Channel channel = conduitChannel("conduit-rr")) {
      Map<String, Integer> conduit = spread(channel, 300);
      assertThat(conduit).containsOnlyKeys(id(0), id(1), id(2));
      assertThat(conduit.values()).allSatisfy(n -> assertThat(n).isBetween(90, 110));
    }
    Map<String, Integer> grpcJava = grpcJavaSpread("grpc-java-rr", 300);
    assertThat(grpcJava).containsOnlyKeys(id(0), id(1), id(2));
    assertThat(grpcJava.values()).allSatisfy(n -> assertThat(n).isBetween(90, 110));
  }

  @Test
  void weightedClustersSplitEightyTwenty() throws Exception {
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.weightedRoute("", "big", 80, "small", 20))
        .cluster("big").cluster("small")
        .endpoints("big", XdsSnapshot.Locality.of("z1", addresses(0)))
        .endpoints("small", XdsSnapshot.Locality.of("z1", addresses(1))));
    int n = 1000;
    try (Channel channel = conduitChannel("conduit-split")) {
      Map<String, Integer> conduit = spread(channel, n);
      assertThat(conduit.getOrDefault(id(0), 0)).as("%s", conduit).isBetween(700, 900);
      assertThat(conduit.getOrDefault(id(1), 0)).as("%s", conduit).isBetween(100, 300);
    }
    Map<String, Integer> grpcJava = grpcJavaSpread("grpc-java-split", n);
    assertThat(grpcJava.getOrDefault(id(0), 0)).as("%s", grpcJava).isBetween(700, 900);
    assertThat(grpcJava.getOrDefault(id(1), 0)).as("%s", grpcJava).isBetween(100, 300);
  }

  private XdsSnapshot weighted(int weight0, int weight1) {
    return snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1")
        .endpoints("c1",
            new XdsSnapshot.Locality("z0", 0, weight0, List.of(addresses(0))),
            new XdsSnapshot.Locality("z1", 0, weight1, List.of(addresses(1))));
  }

  @Test
  void localityWeightsSetTheSpreadAndChangesFollow() throws Exception {
    int n = 1000;
    controlPlane.snapshot(weighted(1, 3));
    try (Channel channel = conduitChannel("conduit-weights")) {
      Map<String, Integer> conduit = spread(channel, n);
      assertThat(conduit.getOrDefault(id(1), 0)).as("%s", conduit).isBetween(650, 850);
      Map<String, Integer> grpcJava = grpcJavaSpread("grpc-java-weights", n);
      assertThat(grpcJava.getOrDefault(id(1), 0)).as("%s", grpcJava).isBetween(650, 850);

      controlPlane.snapshot(weighted(3, 1));
      awaitSpread(channel, s -> s.getOrDefault(id(0), 0) >= 12);
      conduit = spread(channel, n);
      assertThat(conduit.getOrDefault(id(0), 0)).as("%s", conduit).isBetween(650, 850);
      grpcJava = grpcJavaSpread("grpc-java-weights-2", n);
      assertThat(grpcJava.getOrDefault(id(0), 0)).as("%s", grpcJava).isBetween(650, 850);
    }
  }

  /** A StreamingOutputCall whose one response comes 3 s after the call. */
  private static io.grpc.testing.integration.Messages.StreamingOutputCallRequest answerIn3s() {
    return io.grpc.testing.integration.Messages.StreamingOutputCallRequest.newBuilder()
        .addResponseParameters(io.grpc.testing.integration.Messages.ResponseParameters
            .newBuilder().setSize(1).setIntervalUs(3_000_000))
        .build();
  }

  @Test
  void circuitBreakingCapsTheCallsInFlight() throws Exception {
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1", XdsSnapshot.maxRequests(2))
        .endpoints("c1", XdsSnapshot.Locality.of("z1", addresses(0))));
    try (Channel channel = conduitChannel("conduit-breaker")) {
      assertThat(spread(channel, 3)).containsOnlyKeys(id(0));
      // Two calls that hold their slot until the server answers, 3 s on.
      io.grpc.testing.integration.Messages.StreamingOutputCallRequest slow = answerIn3s();
      var first = client(channel).streamingOutputCall(slow);
      var second = client(channel).streamingOutputCall(slow);
      assertThatThrownBy(() -> client(channel).unaryCall(SimpleRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusException.class, e -> {
            assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.status().description()).contains("circuit breaker")
                .contains("max_requests");
          });
      assertThat(first.hasNext()).isTrue();
      first.next();
      assertThat(first.hasNext()).isFalse();
      assertThat(second.hasNext()).isTrue();
      second.next();
      assertThat(second.hasNext()).isFalse();
      assertThat(spread(channel, 3)).containsOnlyKeys(id(0));
    }
    GrpcJavaPeer.Result grpcJava = GrpcJavaPeer.run(GrpcJavaPeer.XDS_CLIENT_CLASS,
        List.of("--target=" + TARGET, "--mode=breaker"), PEER_TIMEOUT,
        Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", controlPlane.bootstrap("grpc-java-breaker")));
    assertThat(grpcJava.output()).as("grpc-java: %s", grpcJava.output())
        .contains("third call: UNAVAILABLE: Cluster max concurrent requests limit of 2 exceeded")
        .contains("slow calls: OK").contains("after: OK");
  }

  private XdsSnapshot ringHash(int... indexes) {
    return snapshot()
        .routes("routes", XdsSnapshot.hashedRoute("", "c1", "x-user"))
        .cluster("c1", Map.of("lbPolicy", "RING_HASH"))
        .endpoints("c1", XdsSnapshot.Locality.of("z1", addresses(indexes)));
  }

  /** Each key in {@code x-user}, three times: the backend of each (it must not change). */
  private static Map<String, String> keys(Channel channel, int n) {
    Map<String, String> backendOf = new TreeMap<>();
    SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
    for (int round = 0; round < 3; round++) {
      for (int k = 0; k < n; k++) {
        String key = "key-" + k;
        String id = backendOfKey(channel, key, request);
        String before = backendOf.putIfAbsent(key, id);
        assertThat(before == null || before.equals(id))
            .as("%s went to %s, then to %s", key, before, id).isTrue();
      }
    }
    return backendOf;
  }

  /**
   * Each key once, without checking that it stays put: to wait out a configuration change,
   * during which keys move (the new ring arrives, a new backend connects).
   */
  private static Map<String, String> probeKeys(Channel channel, int n) {
    Map<String, String> backendOf = new TreeMap<>();
    SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
    for (int k = 0; k < n; k++) {
      String key = "key-" + k;
      backendOf.put(key, backendOfKey(channel, key, request));
    }
    return backendOf;
  }

  /** The backend that answers a call with {@code key} in {@code x-user}. */
  private static String backendOfKey(Channel channel, String key, SimpleRequest request) {
    return TestServiceRpc.newBlockingClient(
            io.conduit.ClientInterceptor.intercept(channel, List.of(
                io.conduit.ClientInterceptor.attachHeaders(
                    new io.conduit.Metadata().add("x-user", key)))))
        .withDeadline(Duration.ofSeconds(20)).unaryCall(request).getServerId();
  }

  private Map<String, String> grpcJavaKeys(String nodeId, int n) throws Exception {
    GrpcJavaPeer.Result result = GrpcJavaPeer.run(GrpcJavaPeer.LB_CLIENT_CLASS,
        List.of("--target=" + TARGET, "--hash_keys=" + n, "--hash_header=x-user"), PEER_TIMEOUT,
        Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", controlPlane.bootstrap(nodeId)));
    assertThat(result.exitCode())
        .as("grpc-java's xDS client; its output:%n%s", result.output()).isZero();
    Map<String, String> backendOf = new TreeMap<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^key (\\S+): (\\S+)$")
        .matcher(result.output());
    while (m.find()) {
      backendOf.put(m.group(1), m.group(2));
    }
    assertThat(backendOf).hasSize(n);
    return backendOf;
  }

  /** How many keys are on the same backend in both. */
  private static long same(Map<String, String> a, Map<String, String> b) {
    return a.keySet().stream().filter(k -> a.get(k).equals(b.get(k))).count();
  }

  /**
   * ring_hash as gRFC A42 builds it: the ring keeps its size, so when a backend joins or leaves,
   * the others' shares of it are rebuilt too and a few keys move between them besides those that
   * go to (or leave) the changed backend. Conduit builds the ring as grpc-java does, so a key
   * lands on the same backend in both, in every configuration: all but about one in two hundred,
   * as the order the endpoints are taken in decides which of them gets a spare ring entry when
   * the ring does not divide evenly (grpc-java's order is its HashMap's).
   */
  @Test
  void ringHashKeepsKeysWhereGrpcJavaPutsThemAcrossEndpointChanges() throws Exception {
    // About 56 % of the keys stay when a fourth backend joins (a quarter go to it, and the
    // rebuilt shares move about a quarter of the rest); a random spread would keep a quarter.
    int n = 200;
    controlPlane.snapshot(ringHash(0, 1, 2));
    try (Channel channel = conduitChannel("conduit-ring")) {
      Map<String, String> three = keys(channel, n);
      assertThat(java.util.Set.copyOf(three.values())).as("%s", three).hasSizeGreaterThan(1);
      Map<String, String> grpcJavaThree = grpcJavaKeys("grpc-java-ring", n);
      assertThat(same(three, grpcJavaThree)).as("Conduit %s, grpc-java %s", three, grpcJavaThree)
          .isGreaterThanOrEqualTo(n * 95 / 100);

      controlPlane.snapshot(ringHash(0, 1, 2, 3));
      // Once a key reaches the new backend, it is READY and the ring is the new one.
      long deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
      while (!probeKeys(channel, n).containsValue(id(3)) && System.nanoTime() < deadline) {
        // Again.
      }
      Map<String, String> four = keys(channel, n);
      Map<String, String> grpcJavaFour = grpcJavaKeys("grpc-java-ring-2", n);
      assertThat(same(four, grpcJavaFour)).as("Conduit %s, grpc-java %s", four, grpcJavaFour)
          .isGreaterThanOrEqualTo(n * 95 / 100);
      assertThat(four).as("keys on the new backend").containsValue(id(3));
      assertThat(same(three, four)).as("keys that stayed: %s then %s", three, four)
          .isGreaterThanOrEqualTo(n * 4 / 10);

      controlPlane.snapshot(ringHash(1, 2, 3));
      deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
      while (probeKeys(channel, n).containsValue(id(0)) && System.nanoTime() < deadline) {
        // Again.
      }
      Map<String, String> after = keys(channel, n);
      Map<String, String> grpcJavaAfter = grpcJavaKeys("grpc-java-ring-3", n);
      assertThat(same(after, grpcJavaAfter)).as("Conduit %s, grpc-java %s", after, grpcJavaAfter)
          .isGreaterThanOrEqualTo(n * 95 / 100);
      assertThat(after).doesNotContainValue(id(0));
      assertThat(same(four, after)).as("keys that stayed: %s then %s", four, after)
          .isGreaterThanOrEqualTo(n * 4 / 10);
    }
  }

  /** Envoy's outlier_detection: failure-percentage ejection every second, for a minute. */
  private static final Map<String, Object> EJECT_FAILING = Map.of("outlierDetection", Map.of(
      "interval", "1s", "baseEjectionTime", "60s", "maxEjectionPercent", 50,
      "enforcingSuccessRate", 0, "enforcingFailurePercentage", 100,
      "failurePercentageThreshold", 50, "failurePercentageMinimumHosts", 3,
      "failurePercentageRequestVolume", 5));

  @Test
  void outlierDetectionEjectsTheBackendThatFails() throws Exception {
    java.net.InetSocketAddress bad = (java.net.InetSocketAddress) failing.localAddress();
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1", EJECT_FAILING)
        .endpoints("c1", XdsSnapshot.Locality.of("z1", backends.address(0), backends.address(1),
            backends.address(2), bad)));
    int n = 600;
    try (Channel channel = conduitChannel("conduit-outlier")) {
      int failures = 0;
      int lastFailure = 0;
      SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
      for (int i = 1; i <= n; i++) {
        Thread.sleep(10);
        try {
          client(channel).unaryCall(request);
        } catch (StatusException e) {
          failures++;
          lastFailure = i;
        }
      }
      assertThat(failures).as("calls the failing backend failed before its ejection")
          .isPositive();
      assertThat(lastFailure).as("the last failed call, of %s (%s failed)", n, failures)
          .isLessThan(n / 2);
    }
    GrpcJavaPeer.Result result = GrpcJavaPeer.run(GrpcJavaPeer.LB_CLIENT_CLASS,
        List.of("--target=" + TARGET, "--num_times=" + n, "--allow_failures=true",
            "--pause_ms=10"), PEER_TIMEOUT,
        Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", controlPlane.bootstrap("grpc-java-outlier")));
    assertThat(result.exitCode()).as("grpc-java: %s", result.output()).isZero();
    java.util.regex.Matcher last = java.util.regex.Pattern.compile("(?m)^last failure: (\\d+)$")
        .matcher(result.output());
    assertThat(last.find()).as(result.output()).isTrue();
    assertThat(result.output()).doesNotContain("failures: 0");
    assertThat(Integer.parseInt(last.group(1))).as(result.output()).isLessThan(n / 2);
  }

  /** The cluster's policy: weighted_round_robin, weights taken every 100 ms, no blackout. */
  private static final Map<String, Object> WEIGHTED_ROUND_ROBIN = Map.of("loadBalancingPolicy",
      Map.of("policies", List.of(Map.of("typedExtensionConfig", Map.of("name", "wrr",
          "typedConfig", Map.of("@type", "type.googleapis.com/envoy.extensions"
              + ".load_balancing_policies.client_side_weighted_round_robin.v3"
              + ".ClientSideWeightedRoundRobin",
              "blackoutPeriod", "0s", "weightUpdatePeriod", "0.1s"))))));

  private void reportUtilization(double first, double second) {
    loads.get(0).setApplicationUtilization(first).setQps(100);
    loads.get(1).setApplicationUtilization(second).setQps(100);
  }

  @Test
  void weightedRoundRobinFollowsTheReportedUtilization() throws Exception {
    reportUtilization(0.2, 0.8);
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1", WEIGHTED_ROUND_ROBIN)
        .endpoints("c1", XdsSnapshot.Locality.of("z1",
            (java.net.InetSocketAddress) reporting.get(0).localAddress(),
            (java.net.InetSocketAddress) reporting.get(1).localAddress())));
    int n = 1000;
    try (Channel channel = conduitChannel("conduit-wrr")) {
      // Weights are 100 / 0.2 and 100 / 0.8: four to one.
      awaitSpread(channel, s -> s.getOrDefault("orca-0", 0) >= 15);
      Map<String, Integer> conduit = spread(channel, n);
      assertThat(conduit.getOrDefault("orca-0", 0)).as("%s", conduit).isBetween(700, 900);
      Map<String, Integer> grpcJava = grpcJavaSpread("grpc-java-wrr", 2 * n);
      assertThat(grpcJava.getOrDefault("orca-0", 0)).as("%s", grpcJava).isBetween(1400, 1800);

      reportUtilization(0.8, 0.2);
      awaitSpread(channel, s -> s.getOrDefault("orca-1", 0) >= 15);
      conduit = spread(channel, n);
      assertThat(conduit.getOrDefault("orca-1", 0)).as("%s", conduit).isBetween(700, 900);
      grpcJava = grpcJavaSpread("grpc-java-wrr-2", 2 * n);
      assertThat(grpcJava.getOrDefault("orca-1", 0)).as("%s", grpcJava).isBetween(1400, 1800);
    }
  }

  @Test
  void aRoutesMaxStreamDurationIsItsCallsTimeout() throws Exception {
    controlPlane.snapshot(snapshot()
        .routes("routes",
            XdsSnapshot.route("/grpc.testing.TestService/StreamingOutputCall", "c1",
                Map.of("maxStreamDuration", Map.of("maxStreamDuration", "0.5s"))),
            XdsSnapshot.route("", "c1"))
        .cluster("c1")
        .endpoints("c1", XdsSnapshot.Locality.of("z1", addresses(0))));
    try (Channel channel = conduitChannel("conduit-timeout")) {
      assertThat(spread(channel, 3)).containsOnlyKeys(id(0));
      io.grpc.testing.integration.Messages.StreamingOutputCallRequest slow = answerIn3s();
      var responses = client(channel).streamingOutputCall(slow);
      assertThatThrownBy(responses::hasNext)
          .isInstanceOfSatisfying(StatusException.class, e ->
              assertThat(e.status().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }
  }

  @Test
  void aRoutesRetryPolicyRetriesOnAnotherBackend() throws Exception {
    java.net.InetSocketAddress bad = (java.net.InetSocketAddress) failing.localAddress();
    XdsSnapshot.Locality both = XdsSnapshot.Locality.of("z1", backends.address(0), bad);
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1")
        .endpoints("c1", both));
    int n = 100;
    try (Channel channel = conduitChannel("conduit-retry")) {
      assertThat(failures(channel, n)).as("failed calls without a retry policy").isPositive();
      controlPlane.snapshot(snapshot()
          .routes("routes", XdsSnapshot.route("", "c1", Map.of("retryPolicy",
              Map.of("retryOn", "unavailable,5xx", "numRetries", 3))))
          .cluster("c1")
          .endpoints("c1", both));
      long deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
      int failed = failures(channel, n);
      while (failed > 0 && System.nanoTime() < deadline) {
        failed = failures(channel, n);
      }
      assertThat(failed).as("failed calls with retries on UNAVAILABLE").isZero();
    }
    GrpcJavaPeer.Result result = GrpcJavaPeer.run(GrpcJavaPeer.LB_CLIENT_CLASS,
        List.of("--target=" + TARGET, "--num_times=" + n, "--allow_failures=true"), PEER_TIMEOUT,
        Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", controlPlane.bootstrap("grpc-java-retry")));
    assertThat(result.output()).as("grpc-java: %s", result.output()).contains("failures: 0");
  }

  private static int failures(Channel channel, int n) {
    int failed = 0;
    for (int i = 0; i < n; i++) {
      try {
        client(channel).unaryCall(SimpleRequest.getDefaultInstance());
      } catch (StatusException e) {
        failed++;
      }
    }
    return failed;
  }

  private static Map<String, Object> always() {
    return Map.of("numerator", 100, "denominator", "HUNDRED");
  }

  private static TestServiceRpc.BlockingClient withHeader(Channel channel, String name,
      String value) {
    return TestServiceRpc.newBlockingClient(io.conduit.ClientInterceptor.intercept(channel,
        List.of(io.conduit.ClientInterceptor.attachHeaders(
            new io.conduit.Metadata().add(name, value)))));
  }

  @Test
  void faultInjectionAbortsAndDelaysTheCallsItMatches() throws Exception {
    // gRFC A33's per-call control: the x-envoy-fault-* request headers say what to inject.
    List<Object> filters = List.of(Map.of("name", "abort", "typedConfig", Map.of(
        "@type", XdsSnapshot.FAULT,
        "abort", Map.of("headerAbort", Map.of(), "percentage", always()),
        "delay", Map.of("headerDelay", Map.of(), "percentage", always()))));
    Map<String, Object> denyEmpty = Map.of("typedPerFilterConfig", Map.of("abort", Map.of(
        "@type", XdsSnapshot.FAULT, "abort", Map.of("grpcStatus", 7, "percentage", always()))));
    controlPlane.snapshot(snapshot()
        .listener(SERVICE, "routes", filters)
        .routes("routes",
            XdsSnapshot.pathRoute("/grpc.testing.TestService/EmptyCall", "c1", denyEmpty),
            XdsSnapshot.route("", "c1"))
        .cluster("c1")
        .endpoints("c1", XdsSnapshot.Locality.of("z1", addresses(0))));
    SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
    try (Channel channel = conduitChannel("conduit-fault")) {
      assertThat(spread(channel, 3)).containsOnlyKeys(id(0));
      assertThatThrownBy(() -> withHeader(channel, "x-envoy-fault-abort-grpc-request", "14")
          .unaryCall(request))
          .isInstanceOfSatisfying(StatusException.class, e -> {
            assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.status().description()).contains("fault injection");
          });
      assertThatThrownBy(() -> withHeader(channel, "x-envoy-fault-delay-request", "5000")
          .withDeadline(Duration.ofMillis(500)).unaryCall(request))
          .isInstanceOfSatisfying(StatusException.class, e ->
              assertThat(e.status().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      // The route's override of the filter: every EmptyCall is denied, header or not.
      assertThatThrownBy(() -> client(channel).emptyCall(EmptyProtos.Empty.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusException.class, e ->
              assertThat(e.status().code()).isEqualTo(Status.Code.PERMISSION_DENIED));
      assertThat(client(channel).unaryCall(request).getServerId()).isEqualTo(id(0));
    }
    int n = 20;
    GrpcJavaPeer.Result aborted = GrpcJavaPeer.run(GrpcJavaPeer.LB_CLIENT_CLASS,
        List.of("--target=" + TARGET, "--num_times=" + n, "--allow_failures=true",
            "--header=x-envoy-fault-abort-grpc-request:14"), PEER_TIMEOUT,
        Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", controlPlane.bootstrap("grpc-java-fault")));
    assertThat(aborted.output()).as("grpc-java: %s", aborted.output())
        .contains("failures: " + n);
    GrpcJavaPeer.Result passed = GrpcJavaPeer.run(GrpcJavaPeer.LB_CLIENT_CLASS,
        List.of("--target=" + TARGET, "--num_times=" + n, "--allow_failures=true"), PEER_TIMEOUT,
        Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", controlPlane.bootstrap("grpc-java-fault-2")));
    assertThat(passed.output()).as("grpc-java: %s", passed.output()).contains("failures: 0");
  }

  @Test
  void weightedRoundRobinFollowsOutOfBandReports() throws Exception {
    reportUtilization(0.2, 0.8);
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1", Map.of("loadBalancingPolicy", Map.of("policies", List.of(Map.of(
            "typedExtensionConfig", Map.of("name", "wrr", "typedConfig", Map.of(
                "@type", "type.googleapis.com/envoy.extensions.load_balancing_policies"
                    + ".client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin",
                "enableOobLoadReport", true, "oobReportingPeriod", "0.1s",
                "blackoutPeriod", "0s", "weightUpdatePeriod", "0.1s")))))))
        .endpoints("c1", XdsSnapshot.Locality.of("z1",
            (java.net.InetSocketAddress) reportingOutOfBand.get(0).localAddress(),
            (java.net.InetSocketAddress) reportingOutOfBand.get(1).localAddress())));
    int n = 1000;
    try (Channel channel = conduitChannel("conduit-wrr-oob")) {
      awaitSpread(channel, s -> s.getOrDefault("orca-oob-0", 0) >= 15);
      Map<String, Integer> conduit = spread(channel, n);
      assertThat(conduit.getOrDefault("orca-oob-0", 0)).as("%s", conduit).isBetween(700, 900);
      Map<String, Integer> grpcJava = grpcJavaSpread("grpc-java-wrr-oob", 2 * n);
      assertThat(grpcJava.getOrDefault("orca-oob-0", 0)).as("%s", grpcJava).isBetween(1400, 1800);
    }
  }

  @Test
  void aRuntimeFractionSplitsCallsBetweenRoutes() throws Exception {
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.fractionRoute(30, "some"), XdsSnapshot.route("", "rest"))
        .cluster("some").cluster("rest")
        .endpoints("some", XdsSnapshot.Locality.of("z1", addresses(0)))
        .endpoints("rest", XdsSnapshot.Locality.of("z1", addresses(1))));
    int n = 1000;
    try (Channel channel = conduitChannel("conduit-fraction")) {
      Map<String, Integer> conduit = spread(channel, n);
      assertThat(conduit.getOrDefault(id(0), 0)).as("%s", conduit).isBetween(200, 400);
    }
    Map<String, Integer> grpcJava = grpcJavaSpread("grpc-java-fraction", n);
    assertThat(grpcJava.getOrDefault(id(0), 0)).as("%s", grpcJava).isBetween(200, 400);
  }

  @Test
  void leastRequestClustersSpreadIdleCallsOverTheirEndpoints() throws Exception {
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1", Map.of("lbPolicy", "LEAST_REQUEST"))
        .endpoints("c1", XdsSnapshot.Locality.of("z1", addresses(0, 1, 2))));
    int n = 300;
    try (Channel channel = conduitChannel("conduit-least")) {
      Map<String, Integer> conduit = spread(channel, n);
      assertThat(conduit).containsOnlyKeys(id(0), id(1), id(2));
      assertThat(conduit.values()).allSatisfy(c -> assertThat(c).isBetween(60, 140));
    }
    Map<String, Integer> grpcJava = grpcJavaSpread("grpc-java-least", n);
    assertThat(grpcJava).containsOnlyKeys(id(0), id(1), id(2));
  }

  @Test
  void aLoadAssignmentsDropsFailTheirCalls() throws Exception {
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1")
        .endpointsDroppingAll("c1", "overload", XdsSnapshot.Locality.of("z1", addresses(0))));
    try (Channel channel = conduitChannel("conduit-drop")) {
      assertThatThrownBy(() -> client(channel).unaryCall(SimpleRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusException.class, e -> {
            assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.status().description()).contains("overload");
          });
    }
    GrpcJavaPeer.Result grpcJava = GrpcJavaPeer.run(GrpcJavaPeer.LB_CLIENT_CLASS,
        List.of("--target=" + TARGET, "--num_times=10", "--allow_failures=true"), PEER_TIMEOUT,
        Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", controlPlane.bootstrap("grpc-java-drop")));
    assertThat(grpcJava.output()).as("grpc-java: %s", grpcJava.output()).contains("failures: 10")
        .contains("overload");
  }

  @Test
  void endpointsAddedAndRemovedUnderLoadFailNoCall() throws Exception {
    controlPlane.snapshot(oneCluster(0, 1));
    try (Channel channel = conduitChannel("conduit-churn")) {
      spread(channel, 10);
      Map<String, Integer> seen = new ConcurrentHashMap<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger calls = new AtomicInteger();
      Thread load = new Thread(() -> {
        SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
        TestServiceRpc.BlockingClient client = client(channel);
        while (running.get() && failure.get() == null) {
          try {
            seen.merge(client.unaryCall(request).getServerId(), 1, Integer::sum);
            calls.incrementAndGet();
          } catch (RuntimeException e) {
            failure.set(e);
          }
        }
      }, "xds-load");
      load.start();
      java.nio.file.Path grpcJavaLog = java.nio.file.Files.createTempFile("grpc-java-churn-",
          ".log");
      Process grpcJava = GrpcJavaPeer.start(GrpcJavaPeer.XDS_CLIENT_CLASS,
          List.of("--target=" + TARGET, "--mode=churn"), grpcJavaLog,
          Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", controlPlane.bootstrap("grpc-java-churn")));
      try {
        GrpcJavaPeer.awaitOutput(grpcJava, grpcJavaLog, "seen " + id(1), CHANGE_TIMEOUT);
        GrpcJavaPeer.awaitOutput(grpcJava, grpcJavaLog, "seen " + id(0), CHANGE_TIMEOUT);
        controlPlane.snapshot(oneCluster(0, 1, 2));
        awaitSeen(seen, id(2), failure);
        GrpcJavaPeer.awaitOutput(grpcJava, grpcJavaLog, "seen " + id(2), CHANGE_TIMEOUT);
        controlPlane.snapshot(oneCluster(1, 2));
        // Backend 0 has left once calls no longer reach it.
        awaitSpread(channel, s -> !s.containsKey(id(0)));
        controlPlane.snapshot(oneCluster(1, 2, 3));
        awaitSeen(seen, id(3), failure);
        GrpcJavaPeer.awaitOutput(grpcJava, grpcJavaLog, "seen " + id(3), CHANGE_TIMEOUT);
      } finally {
        running.set(false);
        load.join(30_000);
        grpcJava.getOutputStream().close();
        grpcJava.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      }
      String grpcJavaOutput = GrpcJavaPeer.read(grpcJavaLog);
      GrpcJavaPeer.stop(grpcJava);
      java.nio.file.Files.deleteIfExists(grpcJavaLog);
      assertThat(failure.get()).as("a call failed while endpoints changed").isNull();
      assertThat(calls.get()).isPositive();
      assertThat(grpcJavaOutput).as("grpc-java: %s", grpcJavaOutput).contains("failures: 0");
    }
  }

  private static void awaitSeen(Map<String, Integer> seen, String id,
      AtomicReference<Throwable> failure) throws InterruptedException {
    long deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
    while (!seen.containsKey(id) && failure.get() == null && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(failure.get()).as("a call failed").isNull();
    assertThat(seen).as("calls reached the new endpoint").containsKey(id);
  }

  @Test
  void priorityFailsOverAndBack() throws Exception {
    controlPlane.snapshot(snapshot()
        .routes("routes", XdsSnapshot.route("", "c1"))
        .cluster("c1")
        .endpoints("c1",
            new XdsSnapshot.Locality("primary", 0, 1, List.of(addresses(3))),
            new XdsSnapshot.Locality("backup", 1, 1, List.of(addresses(2)))));
    try (Channel channel = conduitChannel("conduit-priority")) {
      assertThat(spread(channel, 20)).containsOnlyKeys(id(3));
      assertThat(grpcJavaSpread("grpc-java-priority", 50)).containsOnlyKeys(id(3));
      backends.stop(3);
      try {
        awaitSpread(channel, s -> s.keySet().equals(java.util.Set.of(id(2))));
        assertThat(grpcJavaSpread("grpc-java-priority-2", 50)).containsOnlyKeys(id(2));
      } finally {
        backends.restart(3);
      }
      awaitSpread(channel, s -> s.keySet().equals(java.util.Set.of(id(3))));
      assertThat(grpcJavaSpread("grpc-java-priority-3", 50)).containsOnlyKeys(id(3));
    }
  }

  @Test
  void invalidResourceIsNackedAndThePreviousOneStays() throws Exception {
    controlPlane.snapshot(oneCluster(0));
    try (Channel channel = conduitChannel("conduit-nack")) {
      assertThat(spread(channel, 10)).containsOnlyKeys(id(0));
      // Priorities 0 and 2, none 1: both clients refuse such a load assignment.
      controlPlane.snapshot(snapshot()
          .routes("routes", XdsSnapshot.route("", "c1"))
          .cluster("c1")
          .endpoints("c1",
              new XdsSnapshot.Locality("a", 0, 1, List.of(addresses(1))),
              new XdsSnapshot.Locality("b", 2, 1, List.of(addresses(2)))));
      String error = controlPlane.awaitNack("ClusterLoadAssignment", "priority 1 is missing",
          CHANGE_TIMEOUT);
      assertThat(error).contains("ClusterLoadAssignment c1: endpoints: priority 1 is missing");
      assertThat(spread(channel, 20)).containsOnlyKeys(id(0));
      assertCsdsShowsTheNack("conduit-nack");
    }
  }

  /**
   * CSDS, on an admin server in this JVM ({@code Admin.addTo} registers it because conduit-xds is
   * present), shows the NACK and what stayed in force.
   */
  private static void assertCsdsShowsTheNack(String nodeId) throws Exception {
    io.conduit.Server.Builder adminBuilder = io.conduit.Server.builder().bind("127.0.0.1", 0);
    io.conduit.services.admin.Admin.addTo(adminBuilder);
    io.conduit.Server admin = adminBuilder.build().start();
    try (Channel channel = Channel.forAddress("127.0.0.1", admin.port()).plaintext().build()) {
      io.conduit.xds.internal.proto.ClientStatusResponse status =
          io.conduit.xds.internal.proto.ClientStatusDiscoveryServiceRpc.newBlockingClient(channel)
              .fetchClientStatus(io.conduit.xds.internal.proto.ClientStatusRequest
                  .getDefaultInstance());
      io.conduit.xds.internal.proto.ClientConfig mine = status.getConfigList().stream()
          .filter(c -> c.getNode().getId().equals(nodeId)).findFirst().orElseThrow();
      Map<String, io.conduit.xds.internal.proto.ClientConfig.GenericXdsConfig> byType =
          new TreeMap<>();
      mine.getGenericXdsConfigsList().forEach(g -> byType.put(
          g.getTypeUrl().substring(g.getTypeUrl().lastIndexOf('.') + 1) + " " + g.getName(), g));
      assertThat(byType).containsKeys("Listener greeter", "RouteConfiguration routes",
          "Cluster c1", "ClusterLoadAssignment c1");
      assertThat(byType.get("Listener greeter").getClientStatus())
          .isEqualTo(io.conduit.xds.internal.proto.ClientResourceStatus.ACKED);
      io.conduit.xds.internal.proto.ClientConfig.GenericXdsConfig eds =
          byType.get("ClusterLoadAssignment c1");
      assertThat(eds.getClientStatus())
          .isEqualTo(io.conduit.xds.internal.proto.ClientResourceStatus.NACKED);
      assertThat(eds.getErrorState().getDetails()).contains("priority 1 is missing");
      assertThat(eds.getVersionInfo()).isNotEqualTo(eds.getErrorState().getVersionInfo());
      assertThat(eds.getXdsConfig().getTypeUrl()).endsWith("ClusterLoadAssignment");
    } finally {
      admin.close();
    }
  }

  @Test
  void trafficFlowsWhileTheControlPlaneIsGone() throws Exception {
    controlPlane.snapshot(oneCluster(0, 1));
    try (Channel channel = conduitChannel("conduit-gone")) {
      assertThat(spread(channel, 20)).containsOnlyKeys(id(0), id(1));
      controlPlane.stopServing();
      try {
        assertThat(spread(channel, 40)).containsOnlyKeys(id(0), id(1));
      } finally {
        controlPlane.startServing();
      }
      // The client comes back (with backoff) and takes the next snapshot.
      controlPlane.snapshot(oneCluster(2));
      awaitSpread(channel, s -> s.keySet().equals(java.util.Set.of(id(2))));
    }
  }

  @Test
  void routeToAMissingClusterFailsOnlyItsCalls() throws Exception {
    controlPlane.snapshot(snapshot()
        .routes("routes",
            XdsSnapshot.route("/grpc.testing.TestService/EmptyCall", "no-such-cluster"),
            XdsSnapshot.route("", "c1"))
        .cluster("c1")
        .endpoints("c1", XdsSnapshot.Locality.of("z1", addresses(0))));
    try (Channel channel = conduitChannel("conduit-missing")) {
      try {
        assertThat(spread(channel, 5)).containsOnlyKeys(id(0));
      } catch (StatusException e) {
        throw new AssertionError(e + "; control plane:\n" + controlPlane.log(), e);
      }
      assertThatThrownBy(() -> client(channel).emptyCall(EmptyProtos.Empty.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusException.class, e -> {
            assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.status().description()).contains("no-such-cluster")
                .contains("does not exist");
          });
    }
  }
}
