package io.conduit.interop.peer;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java's health client ({@code io.grpc.health.v1.HealthGrpc} from grpc-services) against a
 * server's {@code grpc.health.v1.Health}: a Check of each service in {@code --check} (comma
 * separated; an empty name is the server as a whole), then, with {@code --watch}, a Watch of that
 * service until it reports {@code --watch_until} (default NOT_SERVING). Prints one line per
 * answer:
 *
 * <pre>
 * check "": SERVING
 * check "no.such.Service": NOT_FOUND: unknown service no.such.Service
 * watch "": SERVING
 * watch "": NOT_SERVING
 * </pre>
 *
 * <p>Exits 0 once the Watch saw {@code --watch_until} (or after the Checks, without
 * {@code --watch}), 1 if the Watch failed or {@code --timeout_ms} passed first, 2 for a bad
 * command line. A Check that fails is printed, not fatal: the caller judges the answers.
 *
 * <pre>
 * java -cp grpc-java-peer.jar:$(cat grpc-java.classpath) io.conduit.interop.peer.GrpcJavaHealthClient \
 *     --target=127.0.0.1:10000 --check=,grpc.testing.TestService --watch= --watch_until=NOT_SERVING
 * </pre>
 */
public final class GrpcJavaHealthClient {
  private static final String PROGRAM = "GrpcJavaHealthClient";

  private GrpcJavaHealthClient() {}

  public static void main(String[] args) throws InterruptedException {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args,
        Set.of("target", "check", "watch", "watch_until", "timeout_ms"));
    String target = flags.required("target");
    String check = flags.string("check", "");
    String watch = flags.string("watch", null);
    String until = flags.string("watch_until", "NOT_SERVING");
    int timeoutMs = flags.integer("timeout_ms", 30_000, 1, Integer.MAX_VALUE);
    HealthCheckResponse.ServingStatus untilStatus;
    try {
      untilStatus = HealthCheckResponse.ServingStatus.valueOf(until);
    } catch (IllegalArgumentException e) {
      throw PeerFlags.usage(PROGRAM, "--watch_until must be a ServingStatus: " + until);
    }

    ManagedChannel channel =
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    int exit = 0;
    try {
      HealthGrpc.HealthBlockingStub blocking = HealthGrpc.newBlockingStub(channel);
      for (String service : check.split(",", -1)) {
        try {
          HealthCheckResponse response = blocking.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
              .check(HealthCheckRequest.newBuilder().setService(service).build());
          print("check", service, response.getStatus().name());
        } catch (StatusRuntimeException e) {
          print("check", service, describe(e.getStatus()));
        }
      }
      if (watch != null) {
        exit = watch(channel, watch, untilStatus, timeoutMs) ? 0 : 1;
      }
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    System.out.flush();
    System.exit(exit);
  }

  /** Watches {@code service} until it reports {@code until}; false if it fails or times out. */
  private static boolean watch(ManagedChannel channel, String service,
      HealthCheckResponse.ServingStatus until, int timeoutMs) throws InterruptedException {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService(service).build(),
        new ClientResponseObserver<HealthCheckRequest, HealthCheckResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> requestStream) {
            call[0] = requestStream;
          }

          @Override
          public void onNext(HealthCheckResponse response) {
            events.add(response.getStatus());
          }

          @Override
          public void onError(Throwable t) {
            events.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            events.add("completed");
          }
        });
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        Object event = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
        if (event == null) {
          print("watch", service, "no " + until + " within " + timeoutMs + " ms");
          return false;
        }
        if (event instanceof HealthCheckResponse.ServingStatus status) {
          print("watch", service, status.name());
          if (status == until) {
            return true;
          }
        } else if (event instanceof Status status) {
          print("watch", service, "failed with " + describe(status));
          return false;
        } else {
          print("watch", service, "completed by the server before " + until);
          return false;
        }
      }
    } finally {
      call[0].cancel("watch done", null);
    }
  }

  private static String describe(Status status) {
    return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
  }

  private static void print(String what, String service, String result) {
    System.out.println(what + " \"" + service + "\": " + result);
    System.out.flush();
  }
}
