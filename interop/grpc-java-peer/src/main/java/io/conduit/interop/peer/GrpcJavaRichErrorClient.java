package io.conduit.interop.peer;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.TestServiceGrpc;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java's client reading rich error details with its own {@code io.grpc.protobuf.StatusProto}:
 * calls UnaryCall and StreamingOutputCall of {@code --target}, expects each to fail, and prints
 * what it read from the failure, one line each:
 *
 * <pre>
 * unary status: INVALID_ARGUMENT: some message
 * unary google.rpc.Status: code=3 message="some message" details=3
 * unary ErrorInfo: reason=R domain=D metadata={k=v}
 * unary BadRequest: field=name description="must not be empty"
 * unary RetryInfo: delay=1s 500000000ns
 * unary other detail: type.googleapis.com/some.Type
 * stream responses before the failure: 1
 * stream ...
 * </pre>
 *
 * <p>Exits 0 once both calls failed and were printed, 1 if one succeeded, 2 for a bad command
 * line. The caller judges the lines.
 *
 * <pre>
 * java -cp grpc-java-peer.jar:$(cat grpc-java.classpath) io.conduit.interop.peer.GrpcJavaRichErrorClient \
 *     --target=127.0.0.1:10000
 * </pre>
 */
public final class GrpcJavaRichErrorClient {
  private static final String PROGRAM = "GrpcJavaRichErrorClient";

  private GrpcJavaRichErrorClient() {}

  public static void main(String[] args) throws InterruptedException {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args, Set.of("target", "timeout_ms"));
    String target = flags.required("target");
    int timeoutMs = flags.integer("timeout_ms", 30_000, 1, Integer.MAX_VALUE);
    ManagedChannel channel =
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    int exit = 0;
    try {
      TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
      try {
        stub.unaryCall(SimpleRequest.getDefaultInstance());
        System.out.println("unary: succeeded");
        exit = 1;
      } catch (StatusRuntimeException e) {
        print("unary", e);
      }
      int received = 0;
      try {
        Iterator<?> responses = stub.streamingOutputCall(StreamingOutputCallRequest.getDefaultInstance());
        while (responses.hasNext()) {
          responses.next();
          received++;
        }
        System.out.println("stream: succeeded");
        exit = 1;
      } catch (StatusRuntimeException e) {
        System.out.println("stream responses before the failure: " + received);
        print("stream", e);
      }
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    System.out.flush();
    System.exit(exit);
  }

  private static void print(String call, StatusRuntimeException e) {
    Status status = e.getStatus();
    System.out.println(call + " status: " + status.getCode()
        + (status.getDescription() == null ? "" : ": " + status.getDescription()));
    com.google.rpc.Status proto = StatusProto.fromThrowable(e);
    if (proto == null) {
      System.out.println(call + " google.rpc.Status: none");
      return;
    }
    System.out.println(call + " google.rpc.Status: code=" + proto.getCode() + " message=\""
        + proto.getMessage() + "\" details=" + proto.getDetailsCount());
    for (Any detail : proto.getDetailsList()) {
      try {
        System.out.println(call + " " + describe(detail));
      } catch (InvalidProtocolBufferException bad) {
        System.out.println(call + " unreadable detail " + detail.getTypeUrl() + ": " + bad.getMessage());
      }
    }
  }

  private static String describe(Any detail) throws InvalidProtocolBufferException {
    if (detail.is(ErrorInfo.class)) {
      ErrorInfo info = detail.unpack(ErrorInfo.class);
      return "ErrorInfo: reason=" + info.getReason() + " domain=" + info.getDomain()
          + " metadata=" + new TreeMap<>(info.getMetadataMap());
    }
    if (detail.is(BadRequest.class)) {
      StringBuilder sb = new StringBuilder("BadRequest:");
      for (BadRequest.FieldViolation v : detail.unpack(BadRequest.class).getFieldViolationsList()) {
        sb.append(" field=").append(v.getField()).append(" description=\"")
            .append(v.getDescription()).append('"');
      }
      return sb.toString();
    }
    if (detail.is(RetryInfo.class)) {
      RetryInfo retry = detail.unpack(RetryInfo.class);
      return "RetryInfo: delay=" + retry.getRetryDelay().getSeconds() + "s "
          + retry.getRetryDelay().getNanos() + "ns";
    }
    return "other detail: " + detail.getTypeUrl();
  }
}
