package io.conduit.interop.peer;

import com.google.protobuf.ByteString;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.InternalNettyChannelBuilder;
import io.grpc.netty.InternalNettyServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.grpc.opentelemetry.GrpcTraceBinContextPropagator;
import io.grpc.opentelemetry.InternalGrpcOpenTelemetry;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.BoolValue;
import io.grpc.testing.integration.Messages.EchoStatus;
import io.grpc.testing.integration.Messages.Payload;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.testing.integration.TestServiceImpl;
import io.grpc.testing.integration.UnimplementedServiceGrpc;
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
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * grpc-java with its own OpenTelemetry module ({@code grpc-opentelemetry}: gRFC A66 metrics and,
 * turned on, A72 tracing, propagated in W3C {@code traceparent} or, with
 * {@code --propagator=grpc-trace-bin}, in the binary {@code grpc-trace-bin} header with
 * grpc-java's own propagator) on an in-memory SDK, as a client or a
 * server of {@code grpc.testing.TestService}; it prints what it recorded, for the interop tests to
 * compare with what Conduit records for the same calls.
 *
 * <pre>
 * java -cp grpc-java-peer.jar:$(cat grpc-java.classpath) io.conduit.interop.peer.GrpcJavaOtelPeer \
 *     --mode=server [--port=0] [--next=HOST:PORT] [--propagator=w3c|grpc-trace-bin]
 * java -cp ... io.conduit.interop.peer.GrpcJavaOtelPeer --mode=client --target=HOST:PORT \
 *     [--calls=ok,fail] [--fail_code=5] [--propagator=w3c|grpc-trace-bin]
 *     [--enable_metrics=NAME,...]
 * </pre>
 *
 * <p>Server: grpc-java's interop {@code TestServiceImpl} (which honours {@code response_status});
 * with {@code --next}, UnaryCall first makes the same UnaryCall to that target on a channel with
 * the module too (from inside the server span, so the trace goes on) and answers with its outcome.
 * Prints {@code GrpcJavaOtelPeer listening on 127.0.0.1:PORT}, then, when its standard input
 * closes, shuts down, prints its telemetry and {@code END}, and exits.
 *
 * <p>Client: the {@code --calls} to {@code --target}, in order, each reported as
 * {@code CALL NAME CODE}: {@code ok}, a UnaryCall that succeeds; {@code fail}, one whose
 * {@code response_status} asks for {@code --fail_code}; {@code unknown},
 * {@code grpc.testing.UnimplementedService/UnimplementedCall}, which servers do not have;
 * {@code compressed}, a UnaryCall compressed both ways; {@code streaming}, a StreamingOutputCall
 * of three responses; {@code retried}, a UnaryCall that fails with UNAVAILABLE, on a channel that
 * retries it (3 attempts). {@code --enable_metrics} turns on metrics grpc-java keeps off (those of
 * gRFC A96: {@code grpc.client.call.retries}, ...). Then prints its telemetry and {@code END}.
 *
 * <p>Telemetry lines, each value URL-encoded (UTF-8):
 * <pre>
 * SPAN name=N kind=K traceId=T spanId=S parentSpanId=P parentRemote=B status=C description=D
 *     attrs=K1=V1;K2=V2 events=NAME{K=V;K=V}|NAME{...}
 * METRIC name=N unit=U type=T description=D attrs=K1=V1;K2=V2 value=V     (sums)
 * METRIC name=N unit=U type=T description=D attrs=... count=C sum=S bounds=B1;B2;...
 *                                                                  (histograms)
 * </pre>
 * with one METRIC line per point, attributes sorted by key.
 */
public final class GrpcJavaOtelPeer {
  private static final String PROGRAM = "GrpcJavaOtelPeer";
  /**
   * UnaryCall retries UNAVAILABLE: 3 attempts, 10 ms apart. (grpc-java wants the JSON's numbers
   * as doubles.)
   */
  static final Map<String, ?> RETRY_SERVICE_CONFIG = Map.of("methodConfig", List.of(Map.of(
      "name", List.of(Map.of("service", "grpc.testing.TestService", "method", "UnaryCall")),
      "retryPolicy", Map.of("maxAttempts", 3.0, "initialBackoff", "0.01s",
          "maxBackoff", "0.01s", "backoffMultiplier", 1.0,
          "retryableStatusCodes", List.of("UNAVAILABLE")))));

  /** The message of the failing call's {@code response_status}. */
  static final String FAIL_MESSAGE = "asked to fail";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
  private final OpenTelemetrySdk sdk;
  private final GrpcOpenTelemetry grpcOtel;

  private GrpcJavaOtelPeer(TextMapPropagator propagator, List<String> enableMetrics) {
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
        .setPropagators(ContextPropagators.create(propagator))
        .build();
    GrpcOpenTelemetry.Builder b = GrpcOpenTelemetry.newBuilder().sdk(sdk)
        .enableMetrics(enableMetrics);
    // Tracing is experimental in grpc-java 1.79: off unless turned on.
    InternalGrpcOpenTelemetry.enableTracing(b, true);
    grpcOtel = b.build();
  }

  public static void main(String[] args) throws Exception {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args,
        Set.of("mode", "port", "next", "target", "fail_code", "calls", "propagator",
            "enable_metrics"));
    String mode = flags.required("mode");
    String propagator = flags.string("propagator", "w3c");
    String enable = flags.string("enable_metrics", "");
    GrpcJavaOtelPeer peer = new GrpcJavaOtelPeer(switch (propagator) {
      case "w3c" -> W3CTraceContextPropagator.getInstance();
      case "grpc-trace-bin" -> GrpcTraceBinContextPropagator.defaultInstance();
      default -> throw PeerFlags.usage(PROGRAM,
          "--propagator must be w3c or grpc-trace-bin: " + propagator);
    }, enable.isEmpty() ? List.of() : List.of(enable.split(",")));
    switch (mode) {
      case "server" -> peer.server(flags.integer("port", 0, 0, 65535), flags.string("next", ""));
      case "client" -> peer.client(flags.required("target"),
          flags.integer("fail_code", Status.Code.NOT_FOUND.value(), 1, 16),
          flags.string("calls", "ok,fail"));
      default -> throw PeerFlags.usage(PROGRAM, "--mode must be server or client: " + mode);
    }
    System.exit(0);
  }

  private ManagedChannel channel(String target) {
    return channel(target, false);
  }

  /**
   * With {@code retry}, UnaryCall retries UNAVAILABLE, 3 attempts in all (RETRY_SERVICE_CONFIG).
   */
  private ManagedChannel channel(String target, boolean retry) {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(target,
        InsecureChannelCredentials.create());
    if (retry) {
      b.defaultServiceConfig(RETRY_SERVICE_CONFIG).enableRetry();
    }
    // grpc-census is on this classpath (grpc-interop-testing brings it) and grpc-java turns it on
    // by default: its own grpc-trace-bin (of an unsampled OpenCensus span) would go out beside
    // traceparent, or replace this module's grpc-trace-bin. Only the OpenTelemetry module here.
    InternalNettyChannelBuilder.setTracingEnabled(b, false);
    InternalNettyChannelBuilder.setStatsEnabled(b, false);
    grpcOtel.configureChannelBuilder(b);
    return b.build();
  }

  private void server(int port, String next) throws IOException, InterruptedException {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    ManagedChannel nextChannel = next.isEmpty() ? null : channel(next);
    TestServiceImpl interop = new TestServiceImpl(executor);
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port),
        InsecureServerCredentials.create());
    InternalNettyServerBuilder.setTracingEnabled(b, false);
    InternalNettyServerBuilder.setStatsEnabled(b, false);
    if (nextChannel == null) {
      b.addService(interop);
    } else {
      b.addService(new Forwarder(TestServiceGrpc.newBlockingStub(nextChannel)));
    }
    grpcOtel.configureServerBuilder(b);
    Server server = b.build().start();
    InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
    System.out.println(PROGRAM + " listening on 127.0.0.1:" + bound.getPort());
    System.out.flush();
    drain(System.in);
    // Every call done (and its span ended) before the telemetry is read.
    server.shutdown();
    if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (nextChannel != null) {
      nextChannel.shutdown().awaitTermination(10, TimeUnit.SECONDS);
    }
    executor.shutdownNow();
    dump(System.out);
  }

  /** Reads {@code in} to its end: the test closes it to say it is done calling. */
  private static void drain(InputStream in) throws IOException {
    byte[] buffer = new byte[256];
    while (in.read(buffer) >= 0) {
      // Nothing to read but the end.
    }
  }

  private void client(String target, int failCode, String calls) throws InterruptedException {
    ManagedChannel channel = channel(target, List.of(calls.split(",")).contains("retried"));
    TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
    for (String call : calls.split(",")) {
      String outcome;
      try {
        outcome = switch (call) {
          case "ok" -> "OK " + stub.unaryCall(okRequest()).getPayload().getBody().size();
          case "fail" -> {
            stub.unaryCall(SimpleRequest.newBuilder().setResponseStatus(
                EchoStatus.newBuilder().setCode(failCode).setMessage(FAIL_MESSAGE)).build());
            yield "OK";
          }
          case "unknown" -> {
            UnimplementedServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .unimplementedCall(Empty.getDefaultInstance());
            yield "OK";
          }
          case "compressed" -> "OK " + stub.withCompression("gzip").unaryCall(compressedRequest())
              .getPayload().getBody().size();
          case "retried" -> {
            stub.unaryCall(SimpleRequest.newBuilder().setResponseStatus(EchoStatus.newBuilder()
                .setCode(Status.Code.UNAVAILABLE.value()).setMessage(FAIL_MESSAGE)).build());
            yield "OK";
          }
          case "streaming" -> {
            StringBuilder sizes = new StringBuilder("OK");
            stub.streamingOutputCall(streamingRequest())
                .forEachRemaining(r -> sizes.append(' ').append(r.getPayload().getBody().size()));
            yield sizes.toString();
          }
          default -> throw PeerFlags.usage(PROGRAM, "unknown call in --calls: " + call);
        };
      } catch (StatusRuntimeException e) {
        outcome = e.getStatus().getCode().toString();
      }
      System.out.println("CALL " + call + " " + outcome);
    }
    channel.shutdown();
    if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
      channel.shutdownNow();
    }
    dump(System.out);
  }

  /**
   * A UnaryCall that the client sends gzip-compressed (the stub asks) with a 1000-byte payload,
   * and whose 1000-byte response the server is asked to compress.
   */
  static SimpleRequest compressedRequest() {
    return SimpleRequest.newBuilder()
        .setResponseSize(1000)
        .setResponseCompressed(BoolValue.newBuilder().setValue(true))
        .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[1000])))
        .build();
  }

  /** A StreamingOutputCall asking for three responses, of 10, 20 and 30 bytes. */
  static StreamingOutputCallRequest streamingRequest() {
    StreamingOutputCallRequest.Builder b = StreamingOutputCallRequest.newBuilder();
    for (int size : new int[] {10, 20, 30}) {
      b.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
    }
    return b.build();
  }

  /** A UnaryCall with a 100-byte request that asks for a 200-byte response. */
  static SimpleRequest okRequest() {
    return SimpleRequest.newBuilder()
        .setResponseSize(200)
        .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[100])))
        .build();
  }

  /** UnaryCall: the same call to the next server, answered with its response or its status. */
  private static final class Forwarder extends TestServiceGrpc.TestServiceImplBase {
    private final TestServiceGrpc.TestServiceBlockingStub next;

    Forwarder(TestServiceGrpc.TestServiceBlockingStub next) {
      this.next = next;
    }

    @Override
    public void unaryCall(SimpleRequest request, StreamObserver<SimpleResponse> responses) {
      SimpleResponse response;
      try {
        response = next.withDeadlineAfter(30, TimeUnit.SECONDS).unaryCall(request);
      } catch (StatusRuntimeException e) {
        responses.onError(e.getStatus().asRuntimeException());
        return;
      }
      responses.onNext(response);
      responses.onCompleted();
    }
  }

  private void dump(PrintStream out) {
    sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
    for (SpanData s : spans.getFinishedSpanItems()) {
      out.println("SPAN name=" + enc(s.getName())
          + " kind=" + s.getKind()
          + " traceId=" + s.getTraceId()
          + " spanId=" + s.getSpanId()
          + " parentSpanId=" + s.getParentSpanId()
          + " parentRemote=" + s.getParentSpanContext().isRemote()
          + " status=" + s.getStatus().getStatusCode()
          + " description=" + enc(s.getStatus().getDescription())
          + " attrs=" + enc(attributes(s.getAttributes()))
          + " events=" + enc(events(s.getEvents())));
    }
    List<MetricData> all = metrics.collectAllMetrics().stream()
        .sorted(Comparator.comparing(MetricData::getName)).toList();
    for (MetricData m : all) {
      String head = "METRIC name=" + enc(m.getName()) + " unit=" + enc(m.getUnit())
          + " type=" + m.getType() + " description=" + enc(m.getDescription());
      for (PointData p : m.getData().getPoints()) {
        String line = head + " attrs=" + enc(attributes(p.getAttributes()));
        if (p instanceof HistogramPointData h) {
          line += " count=" + h.getCount() + " sum=" + h.getSum() + " bounds="
              + enc(h.getBoundaries().stream().map(String::valueOf)
                  .collect(Collectors.joining(";")));
        } else if (p instanceof LongPointData l) {
          line += " value=" + l.getValue();
        }
        out.println(line);
      }
    }
    out.println("END");
    out.flush();
    sdk.close();
  }

  private static String attributes(Attributes attributes) {
    Map<String, String> sorted = new TreeMap<>();
    attributes.forEach((k, v) -> sorted.put(k.getKey(), String.valueOf(v)));
    return sorted.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(";"));
  }

  private static String events(List<EventData> events) {
    return events.stream().map(e -> e.getName() + "{" + attributes(e.getAttributes()) + "}")
        .collect(Collectors.joining("|"));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
  }
}
