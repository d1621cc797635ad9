package io.conduit.interop.peer;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * A grpc-java server of {@code grpc.testing.TestService} whose calls fail with rich error details
 * through grpc-java's own {@code io.grpc.protobuf.StatusProto}: UnaryCall at once (a
 * trailers-only response), StreamingOutputCall after one response message. Both end with
 * {@link #STATUS}: INVALID_ARGUMENT, an ErrorInfo, a BadRequest and a RetryInfo.
 *
 * <pre>
 * java -cp grpc-java-peer.jar:$(cat grpc-java.classpath) io.conduit.interop.peer.GrpcJavaRichErrorServer \
 *     --port=0      (--address defaults to 127.0.0.1)
 * </pre>
 *
 * <p>Prints {@code GrpcJavaRichErrorServer listening on ADDRESS:PORT} once it serves; stops on
 * SIGTERM.
 */
public final class GrpcJavaRichErrorServer {
  private static final String PROGRAM = "GrpcJavaRichErrorServer";

  /** What every call ends with; the interop test expects exactly this. */
  static final com.google.rpc.Status STATUS = com.google.rpc.Status.newBuilder()
      .setCode(Code.INVALID_ARGUMENT_VALUE)
      .setMessage("grpc-java refuses the request")
      .addDetails(Any.pack(ErrorInfo.newBuilder()
          .setReason("REFUSED_BY_PEER").setDomain("grpc-java.peer")
          .putMetadata("peer", "grpc-java").build()))
      .addDetails(Any.pack(BadRequest.newBuilder()
          .addFieldViolations(BadRequest.FieldViolation.newBuilder()
              .setField("payload").setDescription("grpc-java wants none"))
          .build()))
      .addDetails(Any.pack(RetryInfo.newBuilder()
          .setRetryDelay(Duration.newBuilder().setSeconds(2).setNanos(250_000_000)).build()))
      .build();

  private GrpcJavaRichErrorServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args, Set.of("address", "port"));
    String address = flags.string("address", "127.0.0.1");
    int port = flags.integer("port", 0, 0, 65535);
    InetSocketAddress bindAddress = new InetSocketAddress(address, port);
    if (bindAddress.isUnresolved()) {
      throw PeerFlags.usage(PROGRAM, "--address: unknown host " + address);
    }
    Server server = NettyServerBuilder.forAddress(bindAddress, InsecureServerCredentials.create())
        .addService(new RefusingService())
        .build()
        .start();
    InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
    PeerServers.stopOnSigterm(server, "rich-error-server-shutdown", () -> {});
    System.out.println(PROGRAM + " listening on " + bound.getAddress().getHostAddress() + ":"
        + bound.getPort());
    System.out.flush();
    server.awaitTermination();
  }

  private static final class RefusingService extends TestServiceGrpc.TestServiceImplBase {
    @Override
    public void unaryCall(SimpleRequest request, StreamObserver<SimpleResponse> responses) {
      responses.onError(StatusProto.toStatusRuntimeException(STATUS));
    }

    @Override
    public void streamingOutputCall(StreamingOutputCallRequest request,
        StreamObserver<StreamingOutputCallResponse> responses) {
      responses.onNext(StreamingOutputCallResponse.getDefaultInstance());
      responses.onError(StatusProto.toStatusRuntimeException(STATUS));
    }
  }
}
