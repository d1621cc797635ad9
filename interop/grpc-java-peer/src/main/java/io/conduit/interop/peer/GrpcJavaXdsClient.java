package io.conduit.interop.peer;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * grpc-java's xDS client (the bootstrap in {@code GRPC_XDS_BOOTSTRAP_CONFIG}) for the xDS
 * scenarios that need more than a run of calls:
 *
 * <ul>
 *   <li>{@code --mode=churn}: unary calls one after another until stdin closes, printing
 *       {@code seen ID} the first time each backend answers; then {@code backend ID: N} per
 *       backend and {@code failures: N}. The test changes the endpoints meanwhile.</li>
 *   <li>{@code --mode=breaker}: the circuit-breaking scenario. After three unary calls, two
 *       StreamingOutputCalls whose one response comes 3 s later hold two requests in flight; a
 *       third call made meanwhile prints {@code third call: CODE: description} ({@code OK} if it
 *       got through). Then {@code slow calls: OK} once both slow calls end well, and
 *       {@code after: OK} once three more unary calls pass.</li>
 * </ul>
 */
public final class GrpcJavaXdsClient {
  private static final String PROGRAM = "GrpcJavaXdsClient";

  private GrpcJavaXdsClient() {}

  public static void main(String[] args) throws Exception {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args, Set.of("target", "mode"));
    ManagedChannel channel = Grpc.newChannelBuilder(flags.required("target"),
        InsecureChannelCredentials.create()).build();
    int exit;
    try {
      exit = switch (flags.required("mode")) {
        case "churn" -> churn(channel);
        case "breaker" -> breaker(channel);
        default -> {
          System.out.println("FAIL unknown --mode " + flags.required("mode"));
          yield 2;
        }
      };
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    System.out.flush();
    System.exit(exit);
  }

  private static int churn(ManagedChannel channel) {
    AtomicBoolean running = new AtomicBoolean(true);
    Thread stdin = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // Until the test closes it.
        }
      } catch (IOException e) {
        // Closed either way.
      }
      running.set(false);
    }, "stdin");
    stdin.setDaemon(true);
    stdin.start();
    TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel);
    SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
    Map<String, Integer> backends = new TreeMap<>();
    int failures = 0;
    String lastError = "";
    while (running.get()) {
      try {
        String id = stub.withDeadlineAfter(10, TimeUnit.SECONDS).unaryCall(request).getServerId();
        if (backends.merge(id, 1, Integer::sum) == 1) {
          System.out.println("seen " + id);
          System.out.flush();
        }
      } catch (StatusRuntimeException e) {
        failures++;
        lastError = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
      }
    }
    backends.forEach((id, n) -> System.out.println("backend " + id + ": " + n));
    System.out.println("failures: " + failures);
    System.out.println("last error: " + lastError);
    return 0;
  }

  private static int breaker(ManagedChannel channel) throws InterruptedException {
    TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS);
    SimpleRequest request = SimpleRequest.getDefaultInstance();
    for (int i = 0; i < 3; i++) {
      stub.unaryCall(request);
    }
    StreamingOutputCallRequest slow = StreamingOutputCallRequest.newBuilder()
        .addResponseParameters(ResponseParameters.newBuilder().setSize(1)
            .setIntervalUs(3_000_000))
        .build();
    CountDownLatch ended = new CountDownLatch(2);
    AtomicInteger failed = new AtomicInteger();
    TestServiceGrpc.TestServiceStub async = TestServiceGrpc.newStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS);
    for (int i = 0; i < 2; i++) {
      async.streamingOutputCall(slow, new StreamObserver<StreamingOutputCallResponse>() {
        @Override
        public void onNext(StreamingOutputCallResponse response) {}

        @Override
        public void onError(Throwable t) {
          System.out.println("slow call failed: " + Status.fromThrowable(t));
          failed.incrementAndGet();
          ended.countDown();
        }

        @Override
        public void onCompleted() {
          ended.countDown();
        }
      });
    }
    String third;
    try {
      stub.unaryCall(request);
      third = "OK";
    } catch (StatusRuntimeException e) {
      third = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
    System.out.println("third call: " + third);
    if (!ended.await(30, TimeUnit.SECONDS)) {
      System.out.println("FAIL the slow calls did not end");
      return 1;
    }
    if (failed.get() == 0) {
      System.out.println("slow calls: OK");
    }
    for (int i = 0; i < 3; i++) {
      stub.unaryCall(request);
    }
    System.out.println("after: OK");
    return 0;
  }
}
