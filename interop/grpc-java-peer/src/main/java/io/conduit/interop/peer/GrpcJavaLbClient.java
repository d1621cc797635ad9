package io.conduit.interop.peer;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java client that spreads unary calls over the backends of a target, as the Conduit
 * interop client's {@code lb_spread} case does: {@code --num_times} UnaryCalls with
 * {@code fill_server_id}, then one line {@code backend ID: N} per backend, sorted by ID. Exits 1
 * at the first failed call (or a response without server_id), 2 for a bad command line.
 *
 * <pre>
 * java -cp grpc-java-peer.jar:$(cat grpc-java.classpath) io.conduit.interop.peer.GrpcJavaLbClient \
 *     --target=ipv4:127.0.0.1:5001,127.0.0.2:5001 --lb_policy=round_robin --num_times=300
 * </pre>
 *
 * <p>With {@code --hash_keys=N} it sends, three times over, one call per key {@code key-0} ...
 * {@code key-(N-1)} in the {@code --hash_header} request header (default {@code x-user}), and
 * prints {@code key K: ID} per key: the test of consistent hashing (ring_hash). A key answered by
 * two backends in one run fails it.
 *
 * <p>With {@code --allow_failures=true} a failed call does not end the run: it goes on, pausing
 * {@code --pause_ms} between calls, and prints {@code failures: N} and {@code last failure: I}
 * (the number of the last failed call, 0 for none) besides the backends: the test of outlier
 * detection.
 *
 * <p>Targets are grpc-java's ({@code dns:///host:port}, {@code unix:/path}) plus {@code ipv4:} and
 * {@code ipv6:} address lists, which grpc-java lacks and this program adds.
 */
public final class GrpcJavaLbClient {
  private static final String PROGRAM = "GrpcJavaLbClient";

  private GrpcJavaLbClient() {}

  public static void main(String[] args) throws InterruptedException {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args,
        Set.of("target", "lb_policy", "num_times", "timeout_ms", "hash_keys", "hash_header",
            "allow_failures", "pause_ms",
            "header"));
    String target = flags.required("target");
    String policy = flags.string("lb_policy", "pick_first");
    int numTimes = flags.integer("num_times", 300, 1, 10_000_000);
    int timeoutMs = flags.integer("timeout_ms", 10_000, 1, Integer.MAX_VALUE);

    NameResolverRegistry.getDefaultRegistry().register(new StaticAddressResolverProvider("ipv4"));
    NameResolverRegistry.getDefaultRegistry().register(new StaticAddressResolverProvider("ipv6"));
    ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
        .defaultLoadBalancingPolicy(policy)
        .build();
    int hashKeys = flags.integer("hash_keys", 0, 0, 100_000);
    String hashHeader = flags.string("hash_header", "x-user");
    boolean allowFailures = Boolean.parseBoolean(flags.string("allow_failures", "false"));
    int pauseMs = flags.integer("pause_ms", 0, 0, 60_000);
    // --header=NAME:VALUE: a request header on every call.
    String header = flags.string("header", "");
    int exit = 0;
    try {
      TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel);
      if (header.contains(":")) {
        Metadata extra = new Metadata();
        extra.put(Metadata.Key.of(header.substring(0, header.indexOf(':')),
            Metadata.ASCII_STRING_MARSHALLER), header.substring(header.indexOf(':') + 1));
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(extra));
      }
      if (hashKeys > 0) {
        exit = hashKeys(stub, hashKeys, hashHeader, timeoutMs);
        return;
      }
      SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
      Map<String, Integer> backends = new TreeMap<>();
      int failures = 0;
      int lastFailure = 0;
      String lastError = "";
      for (int i = 1; i <= numTimes; i++) {
        if (pauseMs > 0) {
          Thread.sleep(pauseMs);
        }
        SimpleResponse response;
        try {
          response = stub.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).unaryCall(request);
        } catch (StatusRuntimeException e) {
          if (allowFailures) {
            failures++;
            lastFailure = i;
            lastError = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
            continue;
          }
          Status status = e.getStatus();
          System.out.println("FAIL call " + i + " of " + numTimes + " failed with "
              + status.getCode() + ": " + status.getDescription()
              + (status.getCause() == null ? "" : " (" + status.getCause() + ")")
              + "; backends so far: " + backends);
          exit = 1;
          break;
        }
        if (response.getServerId().isEmpty()) {
          System.out.println("FAIL call " + i + " of " + numTimes
              + ": the response carries no server_id");
          exit = 1;
          break;
        }
        backends.merge(response.getServerId(), 1, Integer::sum);
      }
      if (exit == 0) {
        backends.forEach((id, n) -> System.out.println("backend " + id + ": " + n));
        if (allowFailures) {
          System.out.println("failures: " + failures);
          System.out.println("last failure: " + lastFailure);
          System.out.println("last error: " + lastError);
        }
      }
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
      System.out.flush();
      System.exit(exit);
    }
  }

  private static int hashKeys(TestServiceGrpc.TestServiceBlockingStub stub, int keys,
      String header, int timeoutMs) {
    SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
    Metadata.Key<String> key = Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER);
    Map<String, String> backendOf = new TreeMap<>();
    for (int round = 0; round < 3; round++) {
      for (int k = 0; k < keys; k++) {
        String name = "key-" + k;
        Metadata headers = new Metadata();
        headers.put(key, name);
        SimpleResponse response;
        try {
          response = stub
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
              .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
              .unaryCall(request);
        } catch (StatusRuntimeException e) {
          System.out.println("FAIL " + name + " failed with " + e.getStatus());
          return 1;
        }
        String before = backendOf.putIfAbsent(name, response.getServerId());
        if (before != null && !before.equals(response.getServerId())) {
          System.out.println("FAIL " + name + " went to " + before + ", then to "
              + response.getServerId());
          return 1;
        }
      }
    }
    backendOf.forEach((k, id) -> System.out.println("key " + k + ": " + id));
    return 0;
  }
}
