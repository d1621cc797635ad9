package io.conduit.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.CallOptions;
import io.conduit.Channel;
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
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** gRFC A72 spans, read back from a real SDK: names, parents, attributes, events, status. */
@Timeout(60)
class TracingTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  final FakeClock clock = new FakeClock();
  Telemetry telemetry = new Telemetry();
  Server server;
  Channel channel;

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

  private void start(ServiceDefinition service, String serviceConfig) {
    ConduitOpenTelemetry otel = ConduitOpenTelemetry.builder(telemetry.sdk).clock(clock).build();
    server = otel.configured(Server.builder()).bind("127.0.0.1", 0).service(service).build().start();
    Channel.Builder b = otel.configured(Channel.forAddress("127.0.0.1", server.port())).plaintext();
    if (serviceConfig != null) {
      b.defaultServiceConfig(serviceConfig);
    }
    channel = b.build();
  }

  private SpanData span(String name) {
    return telemetry.finishedSpans().stream().filter(s -> s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " among "
            + telemetry.finishedSpans().stream().map(SpanData::getName).toList()));
  }

  private void awaitSpans(int n) throws InterruptedException {
    Await.until(n + " spans end", WAIT, () -> telemetry.finishedSpans().size() >= n);
  }

  private static List<String> eventNames(SpanData s) {
    return s.getEvents().stream().map(EventData::getName).toList();
  }

  @Test
  void aUnaryCallMakesCallAttemptAndServerSpansInOneTrace() throws Exception {
    start(TestService.definition(clock), null);
    Span root = telemetry.sdk.getTracer("test").spanBuilder("test").startSpan();
    Scope scope = root.makeCurrent();
    try {
      assertThat(ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT, "hello"))
          .isEqualTo("hello");
    } finally {
      scope.close();
      root.end();
    }
    awaitSpans(4);
    SpanData sent = span("Sent.test.Telemetry.Unary");
    SpanData attempt = span("Attempt.test.Telemetry.Unary");
    SpanData recv = span("Recv.test.Telemetry.Unary");
    String trace = root.getSpanContext().getTraceId();
    assertThat(List.of(sent, attempt, recv)).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(trace));
    assertThat(sent.getParentSpanId()).isEqualTo(root.getSpanContext().getSpanId());
    assertThat(attempt.getParentSpanId()).isEqualTo(sent.getSpanId());
    // The server continues the attempt's span: its context went out in traceparent.
    assertThat(recv.getParentSpanId()).isEqualTo(attempt.getSpanId());
    assertThat(recv.getParentSpanContext().isRemote()).isTrue();
    assertThat(recv.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(attempt.getKind()).isEqualTo(SpanKind.CLIENT);

    assertThat(attempt.getAttributes().get(AttributeKey.longKey("previous-rpc-attempts"))).isZero();
    assertThat(attempt.getAttributes().get(AttributeKey.booleanKey("transparent-retry"))).isFalse();
    // A fresh channel: the call waited for the resolver, the attempt for a connection.
    assertThat(eventNames(sent)).containsExactly("Delayed name resolution complete");
    assertThat(eventNames(attempt)).containsExactly("Delayed LB pick complete", "Outbound message", "Inbound message");
    EventData out = attempt.getEvents().get(1);
    assertThat(out.getAttributes().get(AttributeKey.longKey("sequence-number"))).isZero();
    assertThat(out.getAttributes().get(AttributeKey.longKey("message-size"))).isEqualTo(5);
    assertThat(out.getAttributes().get(AttributeKey.longKey("message-size-compressed"))).isNull();
    assertThat(eventNames(recv)).containsExactly("Inbound message", "Outbound message");
    assertThat(List.of(sent, attempt, recv)).allSatisfy(s -> assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.OK));
  }

  @Test
  void anErrorIsAnErrorSpanStatusWithTheCode() throws Exception {
    start(TestService.definition(clock), null);
    assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT,
        "fail:NOT_FOUND:no such thing")).isInstanceOf(StatusException.class);
    awaitSpans(3);
    for (String name : List.of("Sent.test.Telemetry.Unary", "Attempt.test.Telemetry.Unary", "Recv.test.Telemetry.Unary")) {
      assertThat(span(name).getStatus().getStatusCode()).as(name).isEqualTo(StatusCode.ERROR);
      assertThat(span(name).getStatus().getDescription()).as(name).isEqualTo("NOT_FOUND: no such thing");
    }
  }

  @Test
  void compressedMessagesCarryBothSizes() throws Exception {
    start(TestService.definition(clock), null);
    ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT.withCompression("gzip"), "a".repeat(6000));
    awaitSpans(3);
    EventData out = span("Attempt.test.Telemetry.Unary").getEvents().stream()
        .filter(e -> e.getName().equals("Outbound message")).findFirst().orElseThrow();
    assertThat(out.getAttributes().get(AttributeKey.longKey("message-size"))).isEqualTo(6000);
    assertThat(out.getAttributes().get(AttributeKey.longKey("message-size-compressed"))).isLessThan(6000);
    EventData in = span("Recv.test.Telemetry.Unary").getEvents().get(0);
    assertThat(in.getAttributes().get(AttributeKey.longKey("message-size"))).isEqualTo(6000);
    assertThat(in.getAttributes().get(AttributeKey.longKey("message-size-compressed")))
        .isEqualTo(out.getAttributes().get(AttributeKey.longKey("message-size-compressed")));
  }

  @Test
  void aRetriedCallHasOneAttemptSpanPerAttempt() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    ServiceDefinition flaky = ServiceDefinition.builder("test.Telemetry")
        .method(TestService.UNARY, ServerCalls.unary((req, out) -> {
          if (attempts.incrementAndGet() < 3) {
            throw Status.UNAVAILABLE.asException();
          }
          out.onNext(req);
          out.onCompleted();
        }))
        .build();
    start(flaky, """
        {"methodConfig": [{"name": [{"service": "test.Telemetry"}], "retryPolicy": {
          "maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.05s",
          "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}""");
    ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT, "x");
    awaitSpans(7);
    SpanData sent = span("Sent.test.Telemetry.Unary");
    List<SpanData> tries = telemetry.finishedSpans().stream()
        .filter(s -> s.getName().equals("Attempt.test.Telemetry.Unary")).toList();
    assertThat(tries).extracting(s -> s.getAttributes().get(AttributeKey.longKey("previous-rpc-attempts")))
        .containsExactly(0L, 1L, 2L);
    assertThat(tries).allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(sent.getSpanId()));
    assertThat(tries).extracting(s -> s.getStatus().getStatusCode())
        .containsExactly(StatusCode.ERROR, StatusCode.ERROR, StatusCode.OK);
    // Each server span is the child of its own attempt.
    List<SpanData> recvs = telemetry.finishedSpans().stream()
        .filter(s -> s.getName().equals("Recv.test.Telemetry.Unary")).toList();
    assertThat(recvs).extracting(SpanData::getParentSpanId)
        .containsExactlyInAnyOrderElementsOf(tries.stream().map(SpanData::getSpanId).toList());
  }

  @Test
  void callsTheHandlerMakesContinueTheTrace() throws Exception {
    ConduitOpenTelemetry otel = ConduitOpenTelemetry.builder(telemetry.sdk).clock(clock).build();
    try (Server backend = otel.configured(Server.builder()).bind("127.0.0.1", 0)
            .service(TestService.definition(clock)).build().start();
        Channel toBackend = otel.configured(Channel.forAddress("127.0.0.1", backend.port())).plaintext().build()) {
      io.conduit.MethodDescriptor<String, String> relay = TestService.method(
          io.conduit.MethodDescriptor.Type.UNARY, "Relay", true);
      start(ServiceDefinition.builder("test.Telemetry")
          .method(relay, ServerCalls.unary((req, out) -> {
            out.onNext(ClientCalls.blockingUnary(toBackend, TestService.UNARY, CallOptions.DEFAULT, req));
            out.onCompleted();
          }))
          .build(), null);
      assertThat(ClientCalls.blockingUnary(channel, relay, CallOptions.DEFAULT, "hop")).isEqualTo("hop");
      awaitSpans(6);
    }
    SpanData frontRecv = span("Recv.test.Telemetry.Relay");
    SpanData innerSent = span("Sent.test.Telemetry.Unary");
    SpanData backRecv = span("Recv.test.Telemetry.Unary");
    assertThat(innerSent.getParentSpanId()).isEqualTo(frontRecv.getSpanId());
    assertThat(telemetry.finishedSpans()).extracting(SpanData::getTraceId).containsOnly(frontRecv.getTraceId());
    assertThat(backRecv.getParentSpanId()).isEqualTo(span("Attempt.test.Telemetry.Unary").getSpanId());
  }

  @Test
  void aMalformedTraceparentStartsANewTraceAndTheCallSucceeds() throws Exception {
    start(TestService.definition(clock), null);
    try (Channel plain = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      io.conduit.CallFactory withBadHeader = io.conduit.ClientInterceptor.intercept(plain, List.of(
          headerInterceptor(h -> h.add("traceparent", "00-not-a-trace-id-zz"))));
      assertThat(ClientCalls.blockingUnary(withBadHeader, TestService.UNARY, CallOptions.DEFAULT, "ok")).isEqualTo("ok");
    }
    awaitSpans(1);
    SpanData recv = span("Recv.test.Telemetry.Unary");
    assertThat(recv.getParentSpanContext().isValid()).isFalse();
    assertThat(recv.getSpanContext().isValid()).isTrue();
  }

  @Test
  void grpcTraceBinCarriesTheTraceAndAMalformedOneIsIgnored() throws Exception {
    telemetry.close();
    telemetry = new Telemetry(GrpcTraceBinPropagator.getInstance());
    start(TestService.definition(clock), null);
    ClientCalls.blockingUnary(channel, TestService.UNARY, CallOptions.DEFAULT, "bin");
    awaitSpans(3);
    assertThat(span("Recv.test.Telemetry.Unary").getParentSpanId())
        .isEqualTo(span("Attempt.test.Telemetry.Unary").getSpanId());
    telemetry.spans.reset();

    try (Channel plain = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      io.conduit.CallFactory withBadHeader = io.conduit.ClientInterceptor.intercept(plain, List.of(
          headerInterceptor(h -> h.addBinary("grpc-trace-bin", new byte[] {0, 0, 1, 2, 3}))));
      assertThat(ClientCalls.blockingUnary(withBadHeader, TestService.UNARY, CallOptions.DEFAULT, "ok")).isEqualTo("ok");
    }
    awaitSpans(1);
    assertThat(span("Recv.test.Telemetry.Unary").getParentSpanContext().isValid()).isFalse();
  }

  @Test
  void grpcTraceBinRoundTripsASpanContext() {
    Span span = telemetry.sdk.getTracer("test").spanBuilder("x").startSpan();
    Metadata headers = new Metadata();
    GrpcTraceBinPropagator p = GrpcTraceBinPropagator.getInstance();
    p.inject(io.opentelemetry.context.Context.root().with(span), headers,
        io.conduit.opentelemetry.internal.MetadataCarrier.INSTANCE);
    assertThat(headers.getBinary("grpc-trace-bin")).hasSize(29);
    io.opentelemetry.context.Context back = p.extract(io.opentelemetry.context.Context.root(), headers,
        io.conduit.opentelemetry.internal.MetadataCarrier.INSTANCE);
    assertThat(Span.fromContext(back).getSpanContext().getTraceId()).isEqualTo(span.getSpanContext().getTraceId());
    assertThat(Span.fromContext(back).getSpanContext().getSpanId()).isEqualTo(span.getSpanContext().getSpanId());
    assertThat(Span.fromContext(back).getSpanContext().isSampled()).isTrue();
    span.end();
    assertThat(TextMapPropagator.noop().fields()).isEmpty();
  }

  private static io.conduit.ClientInterceptor headerInterceptor(java.util.function.Consumer<Metadata> add) {
    return new io.conduit.ClientInterceptor() {
      @Override
      public <Q, R> io.conduit.ClientCall<Q, R> interceptCall(io.conduit.MethodDescriptor<Q, R> method,
          CallOptions options, io.conduit.CallFactory next) {
        return new io.conduit.ForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            add.accept(headers);
            super.start(listener, headers);
          }
        };
      }
    };
  }
}
