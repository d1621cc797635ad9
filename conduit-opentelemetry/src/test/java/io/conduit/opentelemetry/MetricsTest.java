package io.conduit.opentelemetry;

import static io.conduit.opentelemetry.internal.MetricNames.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ClientCall;
import io.conduit.Metadata;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.Await;
import io.conduit.testing.FakeClock;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** gRFC A66, A94 and A96 metrics, read back from a real SDK: names, kinds, units, attributes, values. */
@Timeout(60)
class MetricsTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("grpc.method");
  static final AttributeKey<String> TARGET = AttributeKey.stringKey("grpc.target");
  static final AttributeKey<String> STATUS = AttributeKey.stringKey("grpc.status");
  static final String UNARY = "test.Telemetry/Unary";

  final FakeClock clock = new FakeClock();
  final Telemetry telemetry = new Telemetry();
  Server server;
  Channel channel;
  String target;

  @AfterEach
  void close() {
    if (channel != null) {
      channel.close();
    }
    if (server != null) {
      server.close();
    }
    telemetry.close();
  }

  private ConduitOpenTelemetry.Builder module() {
    return ConduitOpenTelemetry.builder(telemetry.sdk).clock(clock).tracing(false);
  }

  private void start(ConduitOpenTelemetry otel, ServiceDefinition service, String serviceConfig) {
    server = otel.configured(Server.builder()).bind("127.0.0.1", 0).service(service).build().start();
    Channel.Builder b = otel.configured(Channel.forAddress("127.0.0.1", server.port())).plaintext();
    if (serviceConfig != null) {
      b.defaultServiceConfig(serviceConfig);
    }
    channel = b.build();
    target = "dns:///127.0.0.1:" + server.port();
  }

  private void start(ConduitOpenTelemetry otel) {
    start(otel, TestService.definition(clock), null);
  }

  private Attributes client(String method, String status) {
    Attributes a = Attributes.of(METHOD, method, TARGET, target);
    return status == null ? a : a.toBuilder().put(STATUS, status).build();
  }

  private static Attributes server(String method, String status) {
    Attributes a = Attributes.of(METHOD, method);
    return status == null ? a : a.toBuilder().put(STATUS, status).build();
  }

  /** The metrics, once the server has recorded {@code serverCalls} call durations. */
  private Collection<MetricData> metricsAfter(int serverCalls) throws InterruptedException {
    Await.until("the server records its calls", WAIT, () -> histogramCount(telemetry.collect(),
        SERVER_CALL_DURATION) == serverCalls);
    return telemetry.collect();
  }

  private static long histogramCount(Collection<MetricData> all, String name) {
    return all.stream().filter(m -> m.getName().equals(name))
        .flatMap(m -> m.getHistogramData().getPoints().stream()).mapToLong(HistogramPointData::getCount).sum();
  }

  private MetricData metric(Collection<MetricData> all, String name) {
    return telemetry.metric(all, name).orElseThrow(() -> new AssertionError("no metric " + name
        + " among " + all.stream().map(MetricData::getName).toList()));
  }

  /** The histogram's points by attributes. */
  private Map<Attributes, HistogramPointData> histogram(Collection<MetricData> all, String name,
      String unit, List<? extends Number> buckets) {
    MetricData m = metric(all, name);
    assertThat(m.getType()).as(name).isEqualTo(MetricDataType.HISTOGRAM);
    assertThat(m.getUnit()).as(name).isEqualTo(unit);
    Map<Attributes, HistogramPointData> points = m.getHistogramData().getPoints().stream()
        .collect(Collectors.toMap(HistogramPointData::getAttributes, p -> p));
    for (HistogramPointData p : points.values()) {
      assertThat(p.getBoundaries()).as(name + " buckets")
          .containsExactlyElementsOf(buckets.stream().map(Number::doubleValue).toList());
    }
    return points;
  }

  private Map<Attributes, Long> counter(Collection<MetricData> all, String name, String unit) {
    MetricData m = metric(all, name);
    assertThat(m.getType()).as(name).isEqualTo(MetricDataType.LONG_SUM);
    assertThat(m.getLongSumData().isMonotonic()).as(name + " monotonic").isTrue();
    assertThat(m.getUnit()).as(name).isEqualTo(unit);
    return m.getLongSumData().getPoints().stream()
        .collect(Collectors.toMap(LongPointData::getAttributes, LongPointData::getValue));
  }

  private static void assertPoint(HistogramPointData p, long count, double sum) {
    assertThat(p).as("point").isNotNull();
    assertThat(p.getCount()).isEqualTo(count);
    assertThat(p.getSum()).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void aSuccessfulUnaryCallRecordsEveryA66MetricExactly() throws Exception {
    start(module().build());
    assertThat(ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT, "hello"))
        .isEqualTo("hello");
    Collection<MetricData> all = metricsAfter(1);

    assertThat(counter(all, CLIENT_ATTEMPT_STARTED, "{attempt}")).containsExactly(Map.entry(client(UNARY, null), 1L));
    Attributes ok = client(UNARY, "OK");
    // The handler moved the clock on by 250 ms: every duration is exactly that.
    assertPoint(histogram(all, CLIENT_ATTEMPT_DURATION, "s", LATENCY_BUCKETS).get(ok), 1, 0.25);
    assertPoint(histogram(all, CLIENT_CALL_DURATION, "s", LATENCY_BUCKETS).get(ok), 1, 0.25);
    assertPoint(histogram(all, CLIENT_ATTEMPT_SENT, "By", SIZE_BUCKETS).get(ok), 1, 5);
    assertPoint(histogram(all, CLIENT_ATTEMPT_RCVD, "By", SIZE_BUCKETS).get(ok), 1, 5);

    assertThat(counter(all, SERVER_CALL_STARTED, "{call}")).containsExactly(Map.entry(server(UNARY, null), 1L));
    Attributes serverOk = server(UNARY, "OK");
    assertPoint(histogram(all, SERVER_CALL_DURATION, "s", LATENCY_BUCKETS).get(serverOk), 1, 0.25);
    assertPoint(histogram(all, SERVER_CALL_SENT, "By", SIZE_BUCKETS).get(serverOk), 1, 5);
    assertPoint(histogram(all, SERVER_CALL_RCVD, "By", SIZE_BUCKETS).get(serverOk), 1, 5);

    // Nothing else: the experimental metrics are off by default.
    assertThat(all).extracting(MetricData::getName).containsExactlyInAnyOrderElementsOf(DEFAULT);
    assertThat(all).allSatisfy(m -> assertThat(m.getInstrumentationScopeInfo().getName()).isEqualTo("io.conduit"));
  }

  @Test
  void anErrorStatusIsItsCodeName() throws Exception {
    start(module().build());
    assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT,
        "fail:NOT_FOUND:nope")).isInstanceOf(StatusException.class);
    Collection<MetricData> all = metricsAfter(1);
    assertThat(histogram(all, CLIENT_CALL_DURATION, "s", LATENCY_BUCKETS)).containsOnlyKeys(client(UNARY, "NOT_FOUND"));
    assertThat(histogram(all, SERVER_CALL_DURATION, "s", LATENCY_BUCKETS)).containsOnlyKeys(server(UNARY, "NOT_FOUND"));
  }

  @Test
  void aCallPastItsDeadlineIsDeadlineExceeded() throws Exception {
    start(module().build());
    assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, TestService.UNARY,
        CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)), "hang"))
        .isInstanceOfSatisfying(StatusException.class,
            e -> assertThat(e.status().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    Collection<MetricData> all = metricsAfter(1);
    assertThat(histogram(all, CLIENT_ATTEMPT_DURATION, "s", LATENCY_BUCKETS))
        .containsOnlyKeys(client(UNARY, "DEADLINE_EXCEEDED"));
    assertThat(histogram(all, CLIENT_CALL_DURATION, "s", LATENCY_BUCKETS))
        .containsOnlyKeys(client(UNARY, "DEADLINE_EXCEEDED"));
    // The server ends it by its own timer or by the client's reset, whichever comes first.
    assertThat(histogram(all, SERVER_CALL_DURATION, "s", LATENCY_BUCKETS).keySet())
        .hasSize(1).first().satisfies(a -> assertThat(a.get(STATUS)).isIn("DEADLINE_EXCEEDED", "CANCELLED"));
  }

  @Test
  void aStreamTheClientCancelsIsCancelledOnBothSides() throws Exception {
    start(module().build());
    ClientCall<String, String> call = channel.newCall(TestService.BIDI, CallOptions.DEFAULT);
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(String message) {
        call.cancel("enough", null);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage("abc");
    assertThat(closed.get(10, TimeUnit.SECONDS).code()).isEqualTo(Status.Code.CANCELLED);
    Collection<MetricData> all = metricsAfter(1);
    String bidi = "test.Telemetry/Bidi";
    assertPoint(histogram(all, CLIENT_ATTEMPT_SENT, "By", SIZE_BUCKETS).get(client(bidi, "CANCELLED")), 1, 3);
    assertPoint(histogram(all, CLIENT_ATTEMPT_RCVD, "By", SIZE_BUCKETS).get(client(bidi, "CANCELLED")), 1, 3);
    assertThat(histogram(all, SERVER_CALL_DURATION, "s", LATENCY_BUCKETS)).containsOnlyKeys(server(bidi, "CANCELLED"));
  }

  @Test
  void aCallRetriedThreeTimesIsOneCallOfThreeAttempts() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    ServiceDefinition flaky = ServiceDefinition.builder("test.Telemetry")
        .method(TestService.UNARY, ServerCalls.unary((req, out) -> {
          if (attempts.incrementAndGet() < 3) {
            throw Status.UNAVAILABLE.withDescription("try again").asException();
          }
          out.onNext(req);
          out.onCompleted();
        }))
        .build();
    String retry = """
        {"methodConfig": [{"name": [{"service": "test.Telemetry"}], "retryPolicy": {
          "maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.05s",
          "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}""";
    start(module().enableMetrics(CLIENT_CALL_RETRIES, CLIENT_CALL_TRANSPARENT_RETRIES,
        CLIENT_CALL_HEDGES, CLIENT_CALL_RETRY_DELAY).build(), flaky, retry);
    assertThat(ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT, "x")).isEqualTo("x");
    Collection<MetricData> all = metricsAfter(3);

    assertThat(counter(all, CLIENT_ATTEMPT_STARTED, "{attempt}")).containsExactly(Map.entry(client(UNARY, null), 3L));
    Map<Attributes, HistogramPointData> attemptsByStatus = histogram(all, CLIENT_ATTEMPT_DURATION, "s", LATENCY_BUCKETS);
    assertThat(attemptsByStatus.get(client(UNARY, "UNAVAILABLE")).getCount()).isEqualTo(2);
    assertThat(attemptsByStatus.get(client(UNARY, "OK")).getCount()).isEqualTo(1);
    assertThat(histogram(all, CLIENT_CALL_DURATION, "s", LATENCY_BUCKETS).get(client(UNARY, "OK")).getCount()).isEqualTo(1);
    // gRFC A96: two retries, recorded once per call, without the status.
    assertPoint(histogram(all, CLIENT_CALL_RETRIES, "{retry}", RETRY_BUCKETS).get(client(UNARY, null)), 1, 2);
    assertThat(histogram(all, CLIENT_CALL_RETRY_DELAY, "s", LATENCY_BUCKETS).get(client(UNARY, null)).getCount()).isEqualTo(1);
    // No hedge and no transparent retry: 0 is not reported.
    assertThat(telemetry.metric(all, CLIENT_CALL_HEDGES)).isEmpty();
    assertThat(telemetry.metric(all, CLIENT_CALL_TRANSPARENT_RETRIES)).isEmpty();

    // A call that needs no retry: no retries point, but its delay (0 s) counts, as grpc-java's.
    assertThat(ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT, "y")).isEqualTo("y");
    all = metricsAfter(4);
    assertPoint(histogram(all, CLIENT_CALL_RETRIES, "{retry}", RETRY_BUCKETS).get(client(UNARY, null)), 1, 2);
    assertThat(histogram(all, CLIENT_CALL_RETRY_DELAY, "s", LATENCY_BUCKETS).get(client(UNARY, null)).getCount()).isEqualTo(2);
  }

  @Test
  void aStreamingCallCountsEveryMessage() throws Exception {
    start(module().build());
    List<String> got = new java.util.ArrayList<>();
    ClientCalls.blockingServerStreaming(channel, TestService.SERVER_STREAM, CallOptions.DEFAULT, "3:abcd")
        .forEachRemaining(got::add);
    assertThat(got).containsExactly("abcd", "abcd", "abcd");
    Collection<MetricData> all = metricsAfter(1);
    String stream = "test.Telemetry/ServerStream";
    assertPoint(histogram(all, CLIENT_ATTEMPT_SENT, "By", SIZE_BUCKETS).get(client(stream, "OK")), 1, 6);
    assertPoint(histogram(all, CLIENT_ATTEMPT_RCVD, "By", SIZE_BUCKETS).get(client(stream, "OK")), 1, 12);
    assertPoint(histogram(all, SERVER_CALL_RCVD, "By", SIZE_BUCKETS).get(server(stream, "OK")), 1, 6);
    assertPoint(histogram(all, SERVER_CALL_SENT, "By", SIZE_BUCKETS).get(server(stream, "OK")), 1, 12);
  }

  @Test
  void aCompressedCallRecordsItsWireSize() throws Exception {
    start(module().build());
    String big = "a".repeat(6000);
    ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT.withCompression("gzip"), big);
    Collection<MetricData> all = metricsAfter(1);
    double sent = histogram(all, CLIENT_ATTEMPT_SENT, "By", SIZE_BUCKETS).get(client(UNARY, "OK")).getSum();
    assertThat(sent).isPositive().isLessThan(6000);
    // The server received the same compressed bytes; the response went back uncompressed.
    assertPoint(histogram(all, SERVER_CALL_RCVD, "By", SIZE_BUCKETS).get(server(UNARY, "OK")), 1, sent);
    assertPoint(histogram(all, CLIENT_ATTEMPT_RCVD, "By", SIZE_BUCKETS).get(client(UNARY, "OK")), 1, 6000);
  }

  @Test
  void methodsNotKnownInAdvanceAreOtherUnlessTheUserOptsIn() throws Exception {
    start(module().build());
    ClientCalls.blockingUnary(channel, TestService.UNARY_BY_HAND, CallOptions.DEFAULT, "x");
    io.conduit.MethodDescriptor<String, String> missing = TestService.method(
        io.conduit.MethodDescriptor.Type.UNARY, "Missing", true);
    assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, missing, CallOptions.DEFAULT, "x"))
        .isInstanceOf(StatusException.class);
    Collection<MetricData> all = metricsAfter(2);
    // A hand-made client descriptor is "other"; so is a method the server lacks.
    assertThat(counter(all, CLIENT_ATTEMPT_STARTED, "{attempt}"))
        .containsOnlyKeys(client("other", null), client("test.Telemetry/Missing", null));
    assertThat(counter(all, SERVER_CALL_STARTED, "{call}"))
        .containsOnlyKeys(server(UNARY, null), server("other", null));
  }

  @Test
  void recordAllMethodNamesNamesThemAll() throws Exception {
    start(module().recordAllMethodNames(true).build());
    ClientCalls.blockingUnary(channel, TestService.UNARY_BY_HAND, CallOptions.DEFAULT, "x");
    Collection<MetricData> all = metricsAfter(1);
    assertThat(counter(all, CLIENT_ATTEMPT_STARTED, "{attempt}")).containsOnlyKeys(client(UNARY, null));
  }

  @Test
  void metricsAreEnabledAndDisabledByName() throws Exception {
    start(module().disableMetrics(CLIENT_ATTEMPT_STARTED, SERVER_CALL_SENT)
        .enableMetrics(SUBCHANNEL_SUCCEEDED, SUBCHANNEL_FAILED, SUBCHANNEL_DISCONNECTIONS,
            SUBCHANNEL_OPEN_CONNECTIONS)
        .addOptionalLabel(DISCONNECT_ERROR).build());
    ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT, "x");
    Collection<MetricData> all = metricsAfter(1);
    assertThat(all).extracting(MetricData::getName).doesNotContain(CLIENT_ATTEMPT_STARTED, SERVER_CALL_SENT)
        .contains(CLIENT_ATTEMPT_DURATION);
    Attributes targetOnly = Attributes.of(TARGET, target);
    assertThat(counter(all, SUBCHANNEL_SUCCEEDED, "{attempt}")).containsExactly(Map.entry(targetOnly, 1L));
    MetricData open = metric(all, SUBCHANNEL_OPEN_CONNECTIONS);
    assertThat(open.getUnit()).isEqualTo("{connection}");
    assertThat(open.getLongSumData().isMonotonic()).isFalse();
    assertThat(open.getLongSumData().getPoints()).singleElement()
        .satisfies(p -> assertThat(p.getValue()).isEqualTo(1));

    // The server goes away: one disconnection, with the reason as its optional label (gRFC A94).
    server.shutdown();
    Await.until("the disconnection is counted", WAIT,
        () -> telemetry.metric(telemetry.collect(), SUBCHANNEL_DISCONNECTIONS).isPresent());
    all = telemetry.collect();
    assertThat(counter(all, SUBCHANNEL_DISCONNECTIONS, "{disconnection}")).containsExactly(Map.entry(
        targetOnly.toBuilder().put(AttributeKey.stringKey("grpc.disconnect_error"), "GOAWAY NO_ERROR").build(), 1L));
    assertThat(metric(all, SUBCHANNEL_OPEN_CONNECTIONS).getLongSumData().getPoints()).singleElement()
        .satisfies(p -> assertThat(p.getValue()).isZero());
  }

  @Test
  void unknownNamesAreRefusedClearly() {
    assertThatThrownBy(() -> module().enableMetrics("grpc.client.attempt.strated"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grpc.client.attempt.strated")
        .hasMessageContaining(CLIENT_ATTEMPT_STARTED);
    assertThatThrownBy(() -> module().addOptionalLabel("grpc.lb.nope"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grpc.lb.nope");
  }

  @Test
  void anExporterThatBlocksOrThrowsNeverHoldsUpACall() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger exports = new AtomicInteger();
    MetricExporter stuck = new MetricExporter() {
      @Override
      public CompletableResultCode export(Collection<MetricData> metrics) {
        if (exports.incrementAndGet() % 2 == 0) {
          throw new IllegalStateException("exporter bug");
        }
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return AggregationTemporality.CUMULATIVE;
      }
    };
    try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setMeterProvider(SdkMeterProvider.builder()
        .registerMetricReader(PeriodicMetricReader.builder(stuck).setInterval(Duration.ofMillis(1)).build())
        .build()).build()) {
      ConduitOpenTelemetry otel = ConduitOpenTelemetry.builder(sdk).build();
      start(otel);
      Await.until("the exporter is stuck", WAIT, () -> exports.get() >= 1);
      // The exporter is blocked on its own thread; calls go on regardless.
      for (int i = 0; i < 20; i++) {
        assertThat(ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT, "n" + i))
            .isEqualTo("n" + i);
      }
      release.countDown();
      channel.close();
      server.close();
    }
  }
}
