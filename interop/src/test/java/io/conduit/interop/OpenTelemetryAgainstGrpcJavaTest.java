package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Metadata;
import io.conduit.Server;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServerInterceptor;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.opentelemetry.ConduitOpenTelemetry;
import io.conduit.opentelemetry.GrpcTraceBinPropagator;
import io.conduit.stub.ServerStreamObserver;
import io.conduit.testing.Await;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.BoolValue;
import io.grpc.testing.integration.Messages.EchoStatus;
import io.grpc.testing.integration.Messages.Payload;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.TestServiceRpc;
import io.grpc.testing.integration.UnimplementedServiceRpc;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Conduit's {@code conduit-opentelemetry} against grpc-java's own {@code grpc-opentelemetry}
 * ({@code GrpcJavaOtelPeer}, in JVMs of their own), both on real SDKs, over two chains of three
 * hops, once with W3C {@code traceparent} and once with the binary {@code grpc-trace-bin} header
 * (Conduit's {@link GrpcTraceBinPropagator} against grpc-java's own) as the only propagator:
 *
 * <ul>
 *   <li><b>grpc-java → Conduit → grpc-java</b>: grpc-java's client calls a Conduit server whose
 *       handler makes the same call, on a Conduit channel, to a grpc-java server;
 *   <li><b>Conduit → grpc-java → Conduit</b>: a Conduit client calls a grpc-java server whose
 *       handler makes the same call to a Conduit server.
 * </ul>
 *
 * <p>Each chain carries two UnaryCalls: one that succeeds (a 100-byte payload asking for a
 * 200-byte one) and one whose {@code response_status} makes the last server fail it with
 * NOT_FOUND. Then: every span of a call, in all three processes, is in one trace with the right
 * parent links (gRFC A72), and the metrics Conduit records as a client and as a server are those
 * grpc-java records in the same role for the same calls (gRFC A66): names, units, kinds, attributes
 * and their values, bucket boundaries, counts, and the message sizes to the byte.
 */
@Timeout(240)
class OpenTelemetryAgainstGrpcJavaTest {
  private static final String PEER = "io.conduit.interop.peer.GrpcJavaOtelPeer";
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String METHOD = "grpc.testing.TestService/UnaryCall";
  private static final String SENT = "Sent.grpc.testing.TestService.UnaryCall";
  private static final String ATTEMPT = "Attempt.grpc.testing.TestService.UnaryCall";
  private static final String RECV = "Recv.grpc.testing.TestService.UnaryCall";
  /** What the peer's failing call asks for (GrpcJavaOtelPeer.FAIL_MESSAGE). */
  private static final String FAIL_MESSAGE = "asked to fail";
  private static final Set<String> A66_METRICS = Set.of(
      "grpc.client.attempt.started", "grpc.client.attempt.duration",
      "grpc.client.attempt.sent_total_compressed_message_size",
      "grpc.client.attempt.rcvd_total_compressed_message_size", "grpc.client.call.duration",
      "grpc.server.call.started", "grpc.server.call.duration",
      "grpc.server.call.sent_total_compressed_message_size",
      "grpc.server.call.rcvd_total_compressed_message_size");

  private static final String GRPC_JAVA_CLIENT = "grpc-java client";
  private static final String GRPC_JAVA_SERVER = "grpc-java server";
  private static final String CONDUIT = "Conduit";

  /**
   * What one chain left: every span (labelled with its process), every metric point, and which
   * trace headers reached the Conduit server from grpc-java's client.
   */
  record Chain(List<Sp> spans, Map<String, List<Point>> points, Set<String> traceHeaders) {}

  /** A finished span, from either implementation. */
  record Sp(String process, String name, String kind, String traceId, String spanId,
      String parentSpanId, boolean parentRemote, String status, String description,
      Map<String, String> attrs, List<Event> events) {
    @Override
    public String toString() {
      return process + ":" + name + "[" + kind + " " + spanId + "<-" + parentSpanId + " " + status
          + " " + events + "]";
    }
  }

  record Event(String name, Map<String, String> attrs) {}

  /** A metric point; {@code grpc.target} with the port as {@code PORT}, to compare across runs. */
  record Point(String name, String unit, String type, Map<String, String> attrs, long count,
      double sum, long value, String bounds, String description) {
    String key() {
      return name + " " + unit + " " + type + " " + attrs;
    }
  }

  private static final String W3C = "w3c";
  private static final String GRPC_TRACE_BIN = "grpc-trace-bin";
  /** By propagator: what each chain left. */
  private static final Map<String, Chain> GRPC_JAVA_CONDUIT_GRPC_JAVA = new HashMap<>();
  private static final Map<String, Chain> CONDUIT_GRPC_JAVA_CONDUIT = new HashMap<>();
  /** One hop each way, with more kinds of calls (DIRECT_CALLS): grpc-java → Conduit. */
  private static Chain grpcJavaToConduit;
  /** Conduit → grpc-java. */
  private static Chain conduitToGrpcJava;
  private static final String DIRECT_CALLS = "ok,fail,unknown,compressed,streaming,retried";
  /** gRFC A96's metrics, off by default in both: on for the one-hop runs. */
  private static final List<String> A96_METRICS = List.of("grpc.client.call.retries",
      "grpc.client.call.transparent_retries", "grpc.client.call.hedges",
      "grpc.client.call.retry_delay");
  /** GrpcJavaOtelPeer.RETRY_SERVICE_CONFIG: UnaryCall retries UNAVAILABLE, 3 attempts. */
  private static final String RETRY_SERVICE_CONFIG = """
      {"methodConfig": [{"name": [{"service": "grpc.testing.TestService", "method": "UnaryCall"}],
        "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
          "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}""";

  @BeforeAll
  @Timeout(240)
  static void runChains() throws Exception {
    for (String propagator : List.of(W3C, GRPC_TRACE_BIN)) {
      GRPC_JAVA_CONDUIT_GRPC_JAVA.put(propagator, runGrpcJavaConduitGrpcJava(propagator));
      CONDUIT_GRPC_JAVA_CONDUIT.put(propagator, runConduitGrpcJavaConduit(propagator));
    }
    grpcJavaToConduit = runGrpcJavaToConduit();
    conduitToGrpcJava = runConduitToGrpcJava();
  }

  /** Records which trace headers each call brought. */
  private static final class TraceHeaders implements ServerInterceptor {
    final Set<String> seen = ConcurrentHashMap.newKeySet();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      for (String header : List.of("traceparent", GrpcTraceBinPropagator.HEADER)) {
        if (headers.containsKey(header)) {
          seen.add(header);
        }
      }
      return next.startCall(call, headers);
    }
  }

  // ---- grpc-java → Conduit → grpc-java

  private static Chain runGrpcJavaConduitGrpcJava(String propagator) throws Exception {
    try (Sdk sdk = new Sdk(propagator);
        GrpcJavaPeer.Listening back = startPeerServer(propagator, List.of())) {
      ConduitOpenTelemetry otel = ConduitOpenTelemetry.create(sdk.sdk);
      int backPort = back.address().getPort();
      GrpcJavaPeer.Result client;
      Channel toBack = otel.configured(Channel.builder("127.0.0.1:" + backPort)).plaintext()
          .build();
      int front;
      TraceHeaders headers = new TraceHeaders();
      try (Server server = otel.configured(Server.builder()).bind("127.0.0.1", 0)
          .intercept(headers).service(new Forwarder(toBack)).build().start()) {
        front = server.port();
        client = GrpcJavaPeer.run(PEER, List.of("--mode=client", "--target=127.0.0.1:" + front,
            "--propagator=" + propagator), PEER_TIMEOUT);
        assertThat(client.exitCode()).as("grpc-java client; output:%n%s", client.output()).isZero();
        assertThat(client.output()).contains("CALL ok OK 200", "CALL fail NOT_FOUND");
        // Per call: the server span of the front, the call and attempt spans to the back.
        Await.until("Conduit's 6 spans end", WAIT,
            () -> sdk.spans.getFinishedSpanItems().size() >= 6, () -> sdk.spans().toString());
      } finally {
        toBack.close();
      }
      String backOutput = finish(back);
      List<Sp> spans = new ArrayList<>(sdk.spans());
      spans.addAll(peerSpans(GRPC_JAVA_CLIENT, client.output()));
      spans.addAll(peerSpans(GRPC_JAVA_SERVER, backOutput));
      Map<String, List<Point>> points = new HashMap<>();
      points.put(GRPC_JAVA_CLIENT, peerPoints(client.output(), front));
      points.put(CONDUIT, sdk.points(backPort));
      points.put(GRPC_JAVA_SERVER, peerPoints(backOutput, backPort));
      return new Chain(spans, points, Set.copyOf(headers.seen));
    }
  }

  /** UnaryCall: the same call to the next server, answered with its response or its status. */
  private static final class Forwarder extends TestServiceRpc.Service {
    private final TestServiceRpc.BlockingClient next;

    Forwarder(Channel next) {
      this.next = TestServiceRpc.newBlockingClient(next).withDeadline(Duration.ofSeconds(30));
    }

    @Override
    public void unaryCall(SimpleRequest request, ServerStreamObserver<SimpleResponse> responses) {
      // StatusException from the next server goes back to the caller as it is.
      responses.onNext(next.unaryCall(request));
      responses.onCompleted();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {W3C, GRPC_TRACE_BIN})
  void grpcJavaToConduitToGrpcJavaIsOneTraceWithTheRightParents(String propagator) {
    Chain chain = GRPC_JAVA_CONDUIT_GRPC_JAVA.get(propagator);
    assertThat(chain.traceHeaders()).as("what grpc-java's client sent")
        .containsExactly(header(propagator));
    for (String status : List.of("OK", "ERROR")) {
      List<Sp> trace = assertChain(chain.spans(), status,
          GRPC_JAVA_CLIENT, SENT,
          GRPC_JAVA_CLIENT, ATTEMPT,
          CONDUIT, RECV,
          CONDUIT, SENT,
          CONDUIT, ATTEMPT,
          GRPC_JAVA_SERVER, RECV);
      // Where the trace crossed a process, the parent came over the wire.
      assertThat(trace.get(2).parentRemote()).as("Conduit's server span").isTrue();
      assertGrpcJavaParentRemote(propagator, trace.get(5));
      assertThat(trace.get(3).parentRemote()).as("Conduit's call span, made in the handler")
          .isFalse();
    }
  }

  // ---- Conduit → grpc-java → Conduit

  private static Chain runConduitGrpcJavaConduit(String propagator) throws Exception {
    TraceHeaders headers = new TraceHeaders();
    try (Sdk sdk = new Sdk(propagator);
        TestServiceImpl service = new TestServiceImpl()) {
      ConduitOpenTelemetry otel = ConduitOpenTelemetry.create(sdk.sdk);
      try (Server back = otel.configured(Server.builder()).bind("127.0.0.1", 0).intercept(headers)
          .service(service).build().start();
          GrpcJavaPeer.Listening front =
              startPeerServer(propagator, List.of("--next=127.0.0.1:" + back.port()))) {
        int backPort = back.port();
        int frontPort = front.address().getPort();
        Channel channel = otel.configured(Channel.builder("127.0.0.1:" + frontPort)).plaintext()
            .build();
        try {
          TestServiceRpc.BlockingClient client =
              TestServiceRpc.newBlockingClient(channel).withDeadline(Duration.ofSeconds(30));
          assertThat(client.unaryCall(okRequest()).getPayload().getBody().size()).isEqualTo(200);
          assertThatThrownBy(() -> client.unaryCall(failRequest()))
              .isInstanceOfSatisfying(StatusException.class, e -> {
                assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND);
                assertThat(e.status().description()).isEqualTo(FAIL_MESSAGE);
              });
        } finally {
          channel.close();
        }
        // Per call: the client's call and attempt spans, the back server's span.
        Await.until("Conduit's 6 spans end", WAIT,
            () -> sdk.spans.getFinishedSpanItems().size() >= 6, () -> sdk.spans().toString());
        String frontOutput = finish(front);
        List<Sp> spans = new ArrayList<>(sdk.spans());
        spans.addAll(peerSpans(GRPC_JAVA_SERVER, frontOutput));
        Map<String, List<Point>> points = new HashMap<>();
        points.put(CONDUIT, sdk.points(frontPort));
        points.put(GRPC_JAVA_SERVER, peerPoints(frontOutput, backPort));
        return new Chain(spans, points, Set.copyOf(headers.seen));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {W3C, GRPC_TRACE_BIN})
  void conduitToGrpcJavaToConduitIsOneTraceWithTheRightParents(String propagator) {
    Chain chain = CONDUIT_GRPC_JAVA_CONDUIT.get(propagator);
    assertThat(chain.traceHeaders()).as("what grpc-java's client sent")
        .containsExactly(header(propagator));
    for (String status : List.of("OK", "ERROR")) {
      List<Sp> trace = assertChain(chain.spans(), status,
          CONDUIT, SENT,
          CONDUIT, ATTEMPT,
          GRPC_JAVA_SERVER, RECV,
          GRPC_JAVA_SERVER, SENT,
          GRPC_JAVA_SERVER, ATTEMPT,
          CONDUIT, RECV);
      assertGrpcJavaParentRemote(propagator, trace.get(2));
      assertThat(trace.get(5).parentRemote()).as("Conduit's server span").isTrue();
    }
  }

  /**
   * grpc-java's server span continues a remote parent; but grpc-java 1.79 reads grpc-trace-bin
   * into a span context that is not marked remote (SpanContext.create where OpenTelemetry's
   * propagators use createFromRemoteParent), so that only W3C's parent says so. Conduit's
   * GrpcTraceBinPropagator marks it remote.
   */
  private static void assertGrpcJavaParentRemote(String propagator, Sp span) {
    if (propagator.equals(W3C)) {
      assertThat(span.parentRemote()).as("grpc-java's server span %s", span).isTrue();
    }
  }

  private static String header(String propagator) {
    return propagator.equals(W3C) ? "traceparent" : GrpcTraceBinPropagator.HEADER;
  }

  /** The same call, the same request: the peer's are GrpcJavaOtelPeer.okRequest's. */
  private static SimpleRequest okRequest() {
    return SimpleRequest.newBuilder()
        .setResponseSize(200)
        .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[100])))
        .build();
  }

  private static SimpleRequest failRequest() {
    return SimpleRequest.newBuilder().setResponseStatus(EchoStatus.newBuilder()
        .setCode(Status.Code.NOT_FOUND.value()).setMessage(FAIL_MESSAGE)).build();
  }

  /**
   * Finds, in the trace whose root (the first span named) ended with {@code status}, the spans
   * named by {@code processAndName} pairs, each the child of the one before, and returns them.
   */
  private static List<Sp> assertChain(List<Sp> spans, String status, String... processAndName) {
    List<Sp> roots = spans.stream().filter(s -> s.process().equals(processAndName[0])
        && s.name().equals(processAndName[1]) && s.status().equals(status)).toList();
    assertThat(roots).as("%s root spans %s with status %s among %s", processAndName[0],
        processAndName[1], status, spans).hasSize(1);
    Sp root = roots.get(0);
    assertThat(root.parentSpanId()).as("the root span %s has no parent", root)
        .isEqualTo("0000000000000000");
    List<Sp> trace = spans.stream().filter(s -> s.traceId().equals(root.traceId())).toList();
    assertThat(trace).as("the spans of trace %s", root.traceId())
        .hasSize(processAndName.length / 2);
    List<Sp> chain = new ArrayList<>(List.of(root));
    for (int i = 2; i < processAndName.length; i += 2) {
      String process = processAndName[i];
      String name = processAndName[i + 1];
      Sp parent = chain.get(chain.size() - 1);
      List<Sp> found = trace.stream()
          .filter(s -> s.process().equals(process) && s.name().equals(name)
              && s.parentSpanId().equals(parent.spanId()))
          .toList();
      assertThat(found).as("%s's %s, child of %s, in %s", process, name, parent, trace).hasSize(1);
      assertThat(found.get(0).status()).as("status of %s", found.get(0)).isEqualTo(status);
      chain.add(found.get(0));
    }
    return chain;
  }

  // ---- Metrics: what Conduit records, beside what grpc-java records in the same role

  @Test
  void conduitRecordsTheClientMetricsGrpcJavaRecordsForTheSameCalls() {
    // grpc-java → Conduit → grpc-java: both clients made the same two calls.
    Chain forward = GRPC_JAVA_CONDUIT_GRPC_JAVA.get(W3C);
    assertSameMetrics("client", forward.points().get(GRPC_JAVA_CLIENT),
        forward.points().get(CONDUIT));
    // Conduit → grpc-java → Conduit: the Conduit client and the grpc-java server's client.
    Chain backward = CONDUIT_GRPC_JAVA_CONDUIT.get(W3C);
    assertSameMetrics("client", backward.points().get(GRPC_JAVA_SERVER),
        backward.points().get(CONDUIT));
  }

  @Test
  void conduitRecordsTheServerMetricsGrpcJavaRecordsForTheSameCalls() {
    Chain forward = GRPC_JAVA_CONDUIT_GRPC_JAVA.get(W3C);
    assertSameMetrics("server", forward.points().get(GRPC_JAVA_SERVER),
        forward.points().get(CONDUIT));
    Chain backward = CONDUIT_GRPC_JAVA_CONDUIT.get(W3C);
    assertSameMetrics("server", backward.points().get(GRPC_JAVA_SERVER),
        backward.points().get(CONDUIT));
  }

  @Test
  void theMetricsAreGrfcA66s() {
    for (Chain chain : List.of(GRPC_JAVA_CONDUIT_GRPC_JAVA.get(W3C),
        CONDUIT_GRPC_JAVA_CONDUIT.get(W3C))) {
      List<Point> conduit = chain.points().get(CONDUIT);
      assertThat(conduit.stream().map(Point::name).collect(Collectors.toSet()))
          .containsExactlyInAnyOrderElementsOf(A66_METRICS);
      for (Point p : conduit) {
        Map<String, String> expected = new TreeMap<>();
        expected.put("grpc.method", METHOD);
        if (p.name().startsWith("grpc.client.")) {
          expected.put("grpc.target", "dns:///127.0.0.1:PORT");
        }
        if (!p.name().endsWith(".started")) {
          expected.put("grpc.status", p.attrs().get("grpc.status"));
          assertThat(p.attrs().get("grpc.status")).as(p.key()).isIn("OK", "NOT_FOUND");
        }
        assertThat(p.attrs()).as(p.key()).isEqualTo(expected);
        assertThat(p.unit()).as(p.key()).isEqualTo(p.name().endsWith("duration") ? "s"
            : p.name().endsWith("_size") ? "By"
            : p.name().startsWith("grpc.client.") ? "{attempt}" : "{call}");
      }
    }
  }

  /**
   * The {@code role} ({@code client} or {@code server}) points of both, side by side: the same
   * keys (name, unit, kind, attributes), and for each the same count, bucket boundaries, value
   * (counters) and sum (sizes; durations differ, naturally), and a description.
   */
  private static void assertSameMetrics(String role, List<Point> grpcJava, List<Point> conduit) {
    assertSameMetrics(role, grpcJava, conduit, role.equals("client") ? 9 : 7, Set.of());
  }

  /**
   * Like {@link #assertSameMetrics(String, List, List)}, with {@code points} points in all, of
   * which grpc-java lacks {@code conduitOnly}.
   */
  private static void assertSameMetrics(String role, List<Point> grpcJava, List<Point> conduit,
      int points, Set<String> conduitOnly) {
    String prefix = "grpc." + role + ".";
    Map<String, Point> g = byKey(grpcJava, prefix);
    Map<String, Point> c = byKey(conduit, prefix);
    Set<String> expected = new TreeSet<>(g.keySet());
    expected.addAll(conduitOnly);
    assertThat(c.keySet()).as("Conduit's %s points beside grpc-java's", role)
        .containsExactlyInAnyOrderElementsOf(expected);
    assertThat(c).as("%s points", role).hasSize(points);
    for (String key : g.keySet()) {
      Point gp = g.get(key);
      Point cp = c.get(key);
      assertThat(cp.count()).as("count of %s", key).isEqualTo(gp.count());
      assertThat(cp.value()).as("value of %s", key).isEqualTo(gp.value());
      assertThat(cp.bounds()).as("bucket boundaries of %s", key).isEqualTo(gp.bounds());
      // Prose: A66 gives one per metric, and neither implementation uses its words; grpc-java's
      // and Conduit's are alike, not the same ("Number of client call attempts started", with
      // or without a period).
      assertThat(cp.description()).as("description of %s", key).isNotBlank();
      assertThat(gp.description()).as("grpc-java's description of %s", key).isNotBlank();
      if (key.contains("_size")) {
        assertThat(cp.sum()).as("bytes of %s", key).isEqualTo(gp.sum());
      }
    }
  }

  private static Map<String, Point> byKey(List<Point> points, String prefix) {
    Map<String, Point> m = new TreeMap<>();
    for (Point p : points) {
      if (p.name().startsWith(prefix)) {
        assertThat(m.put(p.key(), p)).as("one point for %s", p.key()).isNull();
      }
    }
    return m;
  }

  // ---- One hop each way: an unknown method, compression

  private static Chain runGrpcJavaToConduit() throws Exception {
    try (Sdk sdk = new Sdk(W3C);
        TestServiceImpl service = new TestServiceImpl()) {
      ConduitOpenTelemetry otel = ConduitOpenTelemetry.builder(sdk.sdk)
          .enableMetrics(A96_METRICS.toArray(String[]::new)).build();
      GrpcJavaPeer.Result client;
      try (Server server = otel.configured(Server.builder()).bind("127.0.0.1", 0).service(service)
          .build().start()) {
        client = GrpcJavaPeer.run(PEER, List.of("--mode=client",
            "--target=127.0.0.1:" + server.port(), "--calls=" + DIRECT_CALLS,
            "--enable_metrics=" + String.join(",", A96_METRICS)), PEER_TIMEOUT);
        assertThat(client.exitCode()).as("grpc-java client; output:%n%s", client.output()).isZero();
        assertThat(client.output()).contains("CALL ok OK 200", "CALL fail NOT_FOUND",
            "CALL unknown UNIMPLEMENTED", "CALL compressed OK 1000", "CALL streaming OK 10 20 30",
            "CALL retried UNAVAILABLE");
        // One per call, and three for the retried one.
        Await.until("Conduit's 8 server spans end", WAIT,
            () -> sdk.spans.getFinishedSpanItems().size() >= 8, () -> sdk.spans().toString());
        List<Sp> spans = new ArrayList<>(sdk.spans());
        spans.addAll(peerSpans(GRPC_JAVA_CLIENT, client.output()));
        return new Chain(spans, Map.of(CONDUIT, sdk.points(),
            GRPC_JAVA_CLIENT, peerPoints(client.output(), server.port())), Set.of());
      }
    }
  }

  private static Chain runConduitToGrpcJava() throws Exception {
    try (Sdk sdk = new Sdk(W3C);
        GrpcJavaPeer.Listening server = startPeerServer(W3C, List.of())) {
      ConduitOpenTelemetry otel = ConduitOpenTelemetry.builder(sdk.sdk)
          .enableMetrics(A96_METRICS.toArray(String[]::new)).build();
      int port = server.address().getPort();
      Channel channel = otel.configured(Channel.builder("127.0.0.1:" + port)).plaintext()
          .defaultServiceConfig(RETRY_SERVICE_CONFIG).build();
      try {
        TestServiceRpc.BlockingClient client =
            TestServiceRpc.newBlockingClient(channel).withDeadline(Duration.ofSeconds(30));
        assertThat(client.unaryCall(okRequest()).getPayload().getBody().size()).isEqualTo(200);
        assertThatThrownBy(() -> client.unaryCall(failRequest()))
            .isInstanceOfSatisfying(StatusException.class,
                e -> assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> UnimplementedServiceRpc.newBlockingClient(channel)
            .withDeadline(Duration.ofSeconds(30)).unimplementedCall(Empty.getDefaultInstance()))
            .isInstanceOfSatisfying(StatusException.class,
                e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
        assertThat(client.withOptions(CallOptions.DEFAULT.withCompression("gzip"))
            .withDeadline(Duration.ofSeconds(30)).unaryCall(compressedRequest())
            .getPayload().getBody().size()).isEqualTo(1000);
        List<Integer> sizes = new ArrayList<>();
        try (var responses = client.streamingOutputCall(streamingRequest())) {
          responses.forEachRemaining(r -> sizes.add(r.getPayload().getBody().size()));
        }
        assertThat(sizes).containsExactly(10, 20, 30);
        assertThatThrownBy(() -> client.unaryCall(SimpleRequest.newBuilder()
            .setResponseStatus(EchoStatus.newBuilder().setCode(Status.Code.UNAVAILABLE.value())
                .setMessage(FAIL_MESSAGE)).build()))
            .isInstanceOfSatisfying(StatusException.class,
                e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        channel.close();
      }
      String output = finish(server);
      List<Sp> spans = new ArrayList<>(sdk.spans());
      spans.addAll(peerSpans(GRPC_JAVA_SERVER, output));
      return new Chain(spans, Map.of(CONDUIT, sdk.points(port),
          GRPC_JAVA_SERVER, peerPoints(output, port)), Set.of());
    }
  }

  /** GrpcJavaOtelPeer.streamingRequest: three responses, of 10, 20 and 30 bytes. */
  private static StreamingOutputCallRequest streamingRequest() {
    StreamingOutputCallRequest.Builder b = StreamingOutputCallRequest.newBuilder();
    for (int size : new int[] {10, 20, 30}) {
      b.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
    }
    return b.build();
  }

  /** GrpcJavaOtelPeer.compressedRequest: gzip both ways, 1000 bytes each way. */
  private static SimpleRequest compressedRequest() {
    return SimpleRequest.newBuilder()
        .setResponseSize(1000)
        .setResponseCompressed(BoolValue.newBuilder().setValue(true))
        .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[1000])))
        .build();
  }

  /**
   * The same points on both clients and on both servers for an unknown method, a compressed call,
   * a server stream and a retried call, with gRFC A96's retry metrics on. A method no server has
   * ({@code grpc.testing.UnimplementedService/UnimplementedCall}) is {@code other} on both
   * servers and its name on both clients (generated stubs); a compressed call's wire bytes count
   * in the sizes. grpc-java 1.79 counts no
   * {@code grpc.server.call.started} for a method it does not have, though it records the call's
   * duration and sizes: A66 counts every call started, as Conduit does.
   */
  @Test
  void oneHopEachWayRecordsTheSameMetricsForMoreKindsOfCalls() {
    String unknown = "grpc.testing.UnimplementedService/UnimplementedCall";
    // 3 grpc.client.attempt.started (UnaryCall, UnimplementedCall, StreamingOutputCall), 4
    // metrics x 5 (UnaryCall OK, NOT_FOUND and UNAVAILABLE, UnimplementedCall UNIMPLEMENTED,
    // StreamingOutputCall OK), 1 grpc.client.call.retries (only the retried call, its 2 retries)
    // and 3 grpc.client.call.retry_delay (every call, 0 s for those not retried).
    assertSameMetrics("client", grpcJavaToConduit.points().get(GRPC_JAVA_CLIENT),
        conduitToGrpcJava.points().get(CONDUIT), 27, Set.of());
    assertThat(conduitToGrpcJava.points().get(CONDUIT)).anySatisfy(p -> assertThat(p.attrs())
        .containsEntry("grpc.method", unknown).containsEntry("grpc.status", "UNIMPLEMENTED"));
    // 3 grpc.server.call.started (UnaryCall, other, StreamingOutputCall), 3 metrics x 5.
    String startedOther = "grpc.server.call.started {call} LONG_SUM {grpc.method=other}";
    assertSameMetrics("server", conduitToGrpcJava.points().get(GRPC_JAVA_SERVER),
        grpcJavaToConduit.points().get(CONDUIT), 18, Set.of(startedOther));
    assertThat(grpcJavaToConduit.points().get(CONDUIT)).anySatisfy(p -> assertThat(p.attrs())
        .containsEntry("grpc.method", "other").containsEntry("grpc.status", "UNIMPLEMENTED"));
    assertThat(grpcJavaToConduit.points().get(CONDUIT)).noneSatisfy(p -> assertThat(p.attrs())
        .containsValue(unknown));
    // Spans keep the name: both servers' spans for it, children of the attempts, in error.
    String recvUnknown = "Recv.grpc.testing.UnimplementedService.UnimplementedCall";
    for (Chain hop : List.of(grpcJavaToConduit, conduitToGrpcJava)) {
      String server = hop == grpcJavaToConduit ? CONDUIT : GRPC_JAVA_SERVER;
      String client = hop == grpcJavaToConduit ? GRPC_JAVA_CLIENT : CONDUIT;
      Sp recv = only(hop.spans(), server, recvUnknown, "ERROR");
      Sp attempt = only(hop.spans(), client,
          "Attempt.grpc.testing.UnimplementedService.UnimplementedCall", "ERROR");
      assertThat(recv.parentSpanId()).as("%s", recv).isEqualTo(attempt.spanId());
      assertThat(recv.description()).as("%s", recv).startsWith("UNIMPLEMENTED: ");
    }
  }

  /**
   * The compressed call: each side's sizes of the other's bytes. The client's outbound message
   * event has both sizes; the server saw the same compressed size come in, and the same
   * uncompressed size once decompressed.
   */
  @Test
  void aCompressedCallsMessageEventsCarryTheSameSizesOnBothSides() {
    // Conduit → grpc-java.
    Sp conduitAttempt = compressedCall(conduitToGrpcJava.spans(), CONDUIT, ATTEMPT);
    Sp grpcJavaRecv = compressedCall(conduitToGrpcJava.spans(), GRPC_JAVA_SERVER, RECV);
    Map<String, String> sent = event(conduitAttempt, "Outbound message");
    assertThat(sent).containsEntry("message-size", "1013").containsKey("message-size-compressed");
    assertThat(Long.parseLong(sent.get("message-size-compressed"))).isLessThan(1013);
    assertThat(event(grpcJavaRecv, "Inbound compressed message").get("message-size-compressed"))
        .isEqualTo(sent.get("message-size-compressed"));
    assertThat(event(grpcJavaRecv, "Inbound message").get("message-size")).isEqualTo("1013");
    // grpc-java's compressed response, as Conduit's client read it.
    Map<String, String> answered = event(grpcJavaRecv, "Outbound message");
    Map<String, String> read = event(conduitAttempt, "Inbound message");
    assertThat(read).containsEntry("message-size", answered.get("message-size"))
        .containsEntry("message-size-compressed", answered.get("message-size-compressed"));

    // grpc-java → Conduit.
    Sp grpcJavaAttempt = compressedCall(grpcJavaToConduit.spans(), GRPC_JAVA_CLIENT, ATTEMPT);
    Sp conduitRecv = compressedCall(grpcJavaToConduit.spans(), CONDUIT, RECV);
    Map<String, String> out = event(grpcJavaAttempt, "Outbound message");
    Map<String, String> in = event(conduitRecv, "Inbound message");
    assertThat(in).containsEntry("message-size", out.get("message-size"))
        .containsEntry("message-size-compressed", out.get("message-size-compressed"));
    Map<String, String> conduitAnswered = event(conduitRecv, "Outbound message");
    assertThat(conduitAnswered).containsKey("message-size-compressed");
    assertThat(event(grpcJavaAttempt, "Inbound compressed message").get("message-size-compressed"))
        .isEqualTo(conduitAnswered.get("message-size-compressed"));
  }

  /**
   * The streaming call's messages, numbered from 0 with their sizes: the same on both clients
   * (grpc-java puts its inbound ones on the call span, see above) and on both servers.
   */
  @Test
  void aStreamingCallsMessagesAreNumberedAndSizedAlike() {
    String method = "grpc.testing.TestService.StreamingOutputCall";
    List<Event> responses = List.of(
        new Event("Inbound message", Map.of("message-size", "14", "sequence-number", "0")),
        new Event("Inbound message", Map.of("message-size", "24", "sequence-number", "1")),
        new Event("Inbound message", Map.of("message-size", "34", "sequence-number", "2")));
    Sp conduitAttempt = only(conduitToGrpcJava.spans(), CONDUIT, "Attempt." + method, "OK");
    assertThat(messages(conduitAttempt).stream().filter(e -> e.name().startsWith("Inbound")))
        .containsExactlyElementsOf(responses);
    Sp grpcJavaSent = only(grpcJavaToConduit.spans(), GRPC_JAVA_CLIENT, "Sent." + method, "OK");
    assertThat(messages(grpcJavaSent)).containsExactlyElementsOf(responses);
    Sp conduitRecv = only(grpcJavaToConduit.spans(), CONDUIT, "Recv." + method, "OK");
    Sp grpcJavaRecv = only(conduitToGrpcJava.spans(), GRPC_JAVA_SERVER, "Recv." + method, "OK");
    assertThat(messages(conduitRecv)).isEqualTo(messages(grpcJavaRecv)).hasSize(4);
  }

  /**
   * The retried call (UNAVAILABLE, 3 attempts): one call span, three attempt spans under it
   * numbered by {@code previous-rpc-attempts}, and a server span under each, on both clients.
   */
  @Test
  void aRetriedCallHasAnAttemptSpanPerAttemptOnBothClients() {
    for (Chain hop : List.of(grpcJavaToConduit, conduitToGrpcJava)) {
      String server = hop == grpcJavaToConduit ? CONDUIT : GRPC_JAVA_SERVER;
      String client = hop == grpcJavaToConduit ? GRPC_JAVA_CLIENT : CONDUIT;
      List<Sp> sent = hop.spans().stream().filter(s -> s.process().equals(client)
          && s.name().equals(SENT) && s.description().startsWith("UNAVAILABLE")).toList();
      assertThat(sent).as("%s's retried call among %s", client, hop.spans()).hasSize(1);
      List<Sp> attempts = hop.spans().stream()
          .filter(s -> s.parentSpanId().equals(sent.get(0).spanId()))
          .sorted(Comparator.comparing(s -> s.attrs().get("previous-rpc-attempts")))
          .toList();
      assertThat(attempts).extracting(Sp::name).containsExactly(ATTEMPT, ATTEMPT, ATTEMPT);
      assertThat(attempts).extracting(Sp::attrs).containsExactly(
          Map.of("previous-rpc-attempts", "0", "transparent-retry", "false"),
          Map.of("previous-rpc-attempts", "1", "transparent-retry", "false"),
          Map.of("previous-rpc-attempts", "2", "transparent-retry", "false"));
      for (Sp attempt : attempts) {
        assertThat(attempt.description()).isEqualTo("UNAVAILABLE: " + FAIL_MESSAGE);
        assertThat(hop.spans()).as("%s's span under %s", server, attempt).filteredOn(
            s -> s.process().equals(server) && s.parentSpanId().equals(attempt.spanId()))
            .singleElement().satisfies(s -> assertThat(s.name()).isEqualTo(RECV));
      }
    }
  }

  /** The span named {@code name} of {@code process} whose events have a compressed size. */
  private static Sp compressedCall(List<Sp> spans, String process, String name) {
    List<Sp> found = spans.stream().filter(s -> s.process().equals(process)
        && s.name().equals(name) && s.events().stream()
            .anyMatch(e -> e.attrs().containsKey("message-size-compressed"))).toList();
    assertThat(found).as("%s's compressed %s among %s", process, name, spans).hasSize(1);
    return found.get(0);
  }

  private static Map<String, String> event(Sp span, String name) {
    List<Event> found = span.events().stream().filter(e -> e.name().equals(name)).toList();
    assertThat(found).as("%s events of %s", name, span).hasSize(1);
    return found.get(0).attrs();
  }

  // ---- Spans: what each implementation puts on them

  @Test
  void theSpansCarryWhatGrpcJavasCarryForTheSameCall() {
    List<Sp> spans = GRPC_JAVA_CONDUIT_GRPC_JAVA.get(W3C).spans();
    // The successful call's spans: grpc-java's as a client, Conduit's as a client, both servers.
    Sp grpcJavaAttempt = only(spans, GRPC_JAVA_CLIENT, ATTEMPT, "OK");
    Sp conduitAttempt = only(spans, CONDUIT, ATTEMPT, "OK");
    Sp grpcJavaSent = only(spans, GRPC_JAVA_CLIENT, SENT, "OK");
    Sp conduitSent = only(spans, CONDUIT, SENT, "OK");
    Sp grpcJavaRecv = only(spans, GRPC_JAVA_SERVER, RECV, "OK");
    Sp conduitRecv = only(spans, CONDUIT, RECV, "OK");

    assertThat(conduitAttempt.attrs()).isEqualTo(grpcJavaAttempt.attrs())
        .isEqualTo(Map.of("previous-rpc-attempts", "0", "transparent-retry", "false"));

    // The same request and response, so the same message events and sizes: the request of 107
    // bytes goes out on the attempt, the response of 206 bytes comes in (grpc-java puts that one
    // on the call span: the Java workaround gRFC A72 allows; Conduit on the attempt span, as A72
    // says), and the servers see them the other way round.
    Event out =
        new Event("Outbound message", Map.of("message-size", "107", "sequence-number", "0"));
    Event in = new Event("Inbound message", Map.of("message-size", "206", "sequence-number", "0"));
    assertThat(messages(grpcJavaAttempt)).containsExactly(out);
    assertThat(messages(grpcJavaSent)).containsExactly(in);
    assertThat(messages(conduitAttempt)).containsExactly(out, in);
    assertThat(messages(conduitSent)).isEmpty();
    assertThat(messages(grpcJavaRecv)).containsExactly(
        new Event("Inbound message", out.attrs()), new Event("Outbound message", in.attrs()));
    assertThat(messages(conduitRecv)).isEqualTo(messages(grpcJavaRecv));

    // Span kinds: gRFC A72 names none; grpc-java 1.79 leaves every span INTERNAL, Conduit follows
    // OpenTelemetry's RPC conventions for the spans that cross the wire.
    assertThat(conduitSent.kind()).isEqualTo("INTERNAL");
    assertThat(conduitAttempt.kind()).isEqualTo("CLIENT");
    assertThat(conduitRecv.kind()).isEqualTo("SERVER");

    // A failed call: ERROR on every span, described by the code and the message.
    for (String process : List.of(GRPC_JAVA_CLIENT, CONDUIT)) {
      for (String name : List.of(SENT, ATTEMPT)) {
        Sp s = only(spans, process, name, "ERROR");
        assertThat(s.description()).as("%s", s).isEqualTo("NOT_FOUND: " + FAIL_MESSAGE);
      }
    }
    for (String process : List.of(GRPC_JAVA_SERVER, CONDUIT)) {
      Sp s = only(spans, process, RECV, "ERROR");
      assertThat(s.description()).as("%s", s).isEqualTo("NOT_FOUND: " + FAIL_MESSAGE);
    }
  }

  private static Sp only(List<Sp> spans, String process, String name, String status) {
    List<Sp> found = spans.stream().filter(s -> s.process().equals(process)
        && s.name().equals(name) && s.status().equals(status)).toList();
    assertThat(found).as("%s's %s with %s among %s", process, name, status, spans).hasSize(1);
    return found.get(0);
  }

  private static List<Event> messages(Sp span) {
    return span.events().stream().filter(e -> e.name().endsWith(" message")).toList();
  }

  // ---- The peer

  private static GrpcJavaPeer.Listening startPeerServer(String propagator, List<String> more)
      throws Exception {
    List<String> args =
        new ArrayList<>(List.of("--mode=server", "--port=0", "--propagator=" + propagator));
    args.addAll(more);
    return GrpcJavaPeer.startListening(PEER, args, PEER_TIMEOUT);
  }

  /** Closes the peer server's standard input: it shuts down, prints its telemetry and exits. */
  private static String finish(GrpcJavaPeer.Listening peer) throws Exception {
    peer.process().getOutputStream().close();
    boolean exited = peer.process().waitFor(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    String output = GrpcJavaPeer.read(peer.log());
    assertThat(exited).as("the grpc-java server exited; output:%n%s", output).isTrue();
    assertThat(peer.process().exitValue()).as("output:%n%s", output).isZero();
    assertThat(output).contains("\nEND");
    return output;
  }

  private static List<Sp> peerSpans(String process, String output) {
    return output.lines().filter(l -> l.startsWith("SPAN ")).map(l -> {
      Map<String, String> f = fields(l);
      return new Sp(process, f.get("name"), f.get("kind"), f.get("traceId"), f.get("spanId"),
          f.get("parentSpanId"), Boolean.parseBoolean(f.get("parentRemote")), f.get("status"),
          f.get("description"), keyValues(f.get("attrs")), events(f.get("events")));
    }).toList();
  }

  /** The peer's points, {@code grpc.target} checked to be {@code dns:///127.0.0.1:targetPort}. */
  private static List<Point> peerPoints(String output, int targetPort) {
    return output.lines().filter(l -> l.startsWith("METRIC ")).map(l -> {
      Map<String, String> f = fields(l);
      return new Point(f.get("name"), f.get("unit"), f.get("type"),
          withoutPort(keyValues(f.get("attrs")), targetPort),
          Long.parseLong(f.getOrDefault("count", "0")),
          Double.parseDouble(f.getOrDefault("sum", "0")),
          Long.parseLong(f.getOrDefault("value", "0")), f.getOrDefault("bounds", ""),
          f.get("description"));
    }).toList();
  }

  private static Map<String, String> withoutPort(Map<String, String> attrs, int targetPort) {
    String target = attrs.get("grpc.target");
    if (target == null) {
      return attrs;
    }
    assertThat(target).isEqualTo("dns:///127.0.0.1:" + targetPort);
    Map<String, String> m = new TreeMap<>(attrs);
    m.put("grpc.target", "dns:///127.0.0.1:PORT");
    return m;
  }

  private static Map<String, String> fields(String line) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String token : line.substring(line.indexOf(' ') + 1).split(" ")) {
      int eq = token.indexOf('=');
      f.put(token.substring(0, eq),
          URLDecoder.decode(token.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return f;
  }

  private static Map<String, String> keyValues(String s) {
    Map<String, String> m = new TreeMap<>();
    if (s == null || s.isEmpty()) {
      return m;
    }
    for (String kv : s.split(";")) {
      int eq = kv.indexOf('=');
      m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return m;
  }

  private static List<Event> events(String s) {
    if (s == null || s.isEmpty()) {
      return List.of();
    }
    return Arrays.stream(s.split("\\|")).map(e -> {
      int brace = e.indexOf('{');
      return new Event(e.substring(0, brace), keyValues(e.substring(brace + 1, e.length() - 1)));
    }).toList();
  }

  // ---- Conduit's side: a real SDK, read into the same shapes

  private static final class Sdk implements AutoCloseable {
    final InMemorySpanExporter spans = InMemorySpanExporter.create();
    final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    final OpenTelemetrySdk sdk;

    /** With W3C's propagator or the grpc-trace-bin one, alone. */
    Sdk(String propagator) {
      TextMapPropagator p = propagator.equals(W3C)
          ? W3CTraceContextPropagator.getInstance() : GrpcTraceBinPropagator.getInstance();
      sdk = OpenTelemetrySdk.builder()
          .setTracerProvider(SdkTracerProvider.builder()
              .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
          .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
          .setPropagators(ContextPropagators.create(p))
          .build();
    }

    List<Sp> spans() {
      return spans.getFinishedSpanItems().stream().map(Sdk::span).toList();
    }

    private static Sp span(SpanData s) {
      return new Sp(CONDUIT, s.getName(), s.getKind().name(), s.getTraceId(), s.getSpanId(),
          s.getParentSpanId(), s.getParentSpanContext().isRemote(),
          s.getStatus().getStatusCode().name(), s.getStatus().getDescription(),
          strings(s.getAttributes()),
          s.getEvents().stream().map(e -> new Event(e.getName(), strings(e.getAttributes())))
              .toList());
    }

    /** The points, each channel's {@code grpc.target} checked to be one of {@code targetPorts}. */
    List<Point> points(int... targetPorts) {
      Set<String> targets = Arrays.stream(targetPorts).mapToObj(p -> "dns:///127.0.0.1:" + p)
          .collect(Collectors.toCollection(TreeSet::new));
      List<Point> points = new ArrayList<>();
      for (MetricData m : metrics.collectAllMetrics()) {
        for (PointData p : m.getData().getPoints()) {
          Map<String, String> attrs = strings(p.getAttributes());
          String target = attrs.get("grpc.target");
          if (target != null) {
            assertThat(target).isIn(targets);
            attrs.put("grpc.target", "dns:///127.0.0.1:PORT");
          }
          long count = 0;
          double sum = 0;
          long value = 0;
          String bounds = "";
          if (p instanceof HistogramPointData h) {
            count = h.getCount();
            sum = h.getSum();
            bounds = h.getBoundaries().stream().map(String::valueOf)
                .collect(Collectors.joining(";"));
          } else if (p instanceof LongPointData l) {
            value = l.getValue();
          }
          points.add(new Point(m.getName(), m.getUnit(), m.getType().name(), attrs, count, sum,
              value, bounds, m.getDescription()));
        }
      }
      return points;
    }

    private static Map<String, String> strings(Attributes attributes) {
      Map<String, String> m = new TreeMap<>();
      attributes.forEach((k, v) -> m.put(k.getKey(), String.valueOf(v)));
      return m;
    }

    @Override
    public void close() {
      sdk.close();
    }
  }
}
