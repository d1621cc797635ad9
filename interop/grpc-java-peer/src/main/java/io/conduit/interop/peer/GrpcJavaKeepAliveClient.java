package io.conduit.interop.peer;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * An over-eager grpc-java client: a Netty channel that sends a keepalive PING every
 * {@code --keepalive_time_ms} (default 1000), with and without calls, holds one FullDuplexCall
 * open without sending anything for {@code --duration_ms} (default 6000), then half-closes it.
 * A server that enforces a longer keepalive interval (gRFC A9) answers with GOAWAY
 * ENHANCE_YOUR_CALM {@code too_many_pings} and closes the connection, which fails the call.
 *
 * <p>Prints what happened:
 *
 * <pre>
 * keepalive: every 1000 ms, without calls too
 * call: RESOURCE_EXHAUSTED: Connection closed after GOAWAY. HTTP/2 error code: ENHANCE_YOUR_CALM, debug data: too_many_pings
 * grpc-java log: Received GOAWAY with ENHANCE_YOUR_CALM. Debug data: too_many_pings
 * too_many_pings: true
 * </pre>
 *
 * <p>or {@code call: OK} and {@code too_many_pings: false} when the call lasted. Exits 0 once it
 * has reported, 2 for a bad command line.
 *
 * <p>grpc-java clamps {@code keepAliveTime} to at least 10 s; to ping every second as the test
 * needs, this program sets the builder's field past the clamp (reflection; a test program only).
 *
 * <pre>
 * java -cp grpc-java-peer.jar:$(cat grpc-java.classpath) io.conduit.interop.peer.GrpcJavaKeepAliveClient \
 *     --target=127.0.0.1:10000 --keepalive_time_ms=1000 --duration_ms=6000
 * </pre>
 */
public final class GrpcJavaKeepAliveClient {
  private static final String PROGRAM = "GrpcJavaKeepAliveClient";
  private static final String TOO_MANY_PINGS = "too_many_pings";
  /** Held here: the log manager keeps loggers weakly, and with them the handler added below. */
  private static final Logger GRPC_LOGGER = Logger.getLogger("io.grpc");

  private GrpcJavaKeepAliveClient() {}

  public static void main(String[] args) throws Exception {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args,
        Set.of("target", "keepalive_time_ms", "duration_ms"));
    String target = flags.required("target");
    int keepAliveMs = flags.integer("keepalive_time_ms", 1000, 1, Integer.MAX_VALUE);
    int durationMs = flags.integer("duration_ms", 6000, 1, Integer.MAX_VALUE);

    // grpc-java logs the GOAWAY's debug data; keep what mentions it.
    List<String> goAwayLogs = new CopyOnWriteArrayList<>();
    GRPC_LOGGER.addHandler(new Handler() {
      @Override
      public void publish(LogRecord record) {
        String message = record.getMessage();
        Object[] params = record.getParameters();
        if (params != null) {
          message = java.text.MessageFormat.format(message, params);
        }
        if (message != null && message.contains(TOO_MANY_PINGS)) {
          goAwayLogs.add(message);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });

    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target)
        .usePlaintext()
        .keepAliveTime(keepAliveMs, TimeUnit.MILLISECONDS)
        .keepAliveWithoutCalls(true);
    setKeepAliveTimePastClamp(builder, TimeUnit.MILLISECONDS.toNanos(keepAliveMs));
    System.out.println("keepalive: every " + keepAliveMs + " ms, without calls too");

    ManagedChannel channel = builder.build();
    try {
      CompletableFuture<Status> closed = new CompletableFuture<>();
      StreamObserver<StreamingOutputCallRequest> requests = TestServiceGrpc.newStub(channel)
          .fullDuplexCall(new StreamObserver<StreamingOutputCallResponse>() {
            @Override
            public void onNext(StreamingOutputCallResponse value) {}

            @Override
            public void onError(Throwable t) {
              closed.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
              closed.complete(Status.OK);
            }
          });
      Status status;
      try {
        status = closed.get(durationMs, TimeUnit.MILLISECONDS);
      } catch (TimeoutException stillOpen) {
        requests.onCompleted();
        status = closed.get(10, TimeUnit.SECONDS);
      }
      System.out.println("call: " + status.getCode()
          + (status.getDescription() == null ? "" : ": " + status.getDescription()));
      // The log line may come a moment after the call's status.
      Thread.sleep(200);
      goAwayLogs.forEach(line -> System.out.println("grpc-java log: " + line));
      boolean tooManyPings = !goAwayLogs.isEmpty()
          || (status.getDescription() != null && status.getDescription().contains(TOO_MANY_PINGS));
      System.out.println("too_many_pings: " + tooManyPings);
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    System.out.flush();
    System.exit(0);
  }

  /** Sets NettyChannelBuilder's keepalive time to {@code nanos}, below grpc-java's 10 s minimum. */
  private static void setKeepAliveTimePastClamp(NettyChannelBuilder builder, long nanos)
      throws ReflectiveOperationException {
    Field field = NettyChannelBuilder.class.getDeclaredField("keepAliveTimeNanos");
    field.setAccessible(true);
    field.setLong(builder, nanos);
    if (field.getLong(builder) != nanos) {
      throw new IllegalStateException("could not set NettyChannelBuilder.keepAliveTimeNanos");
    }
  }
}
