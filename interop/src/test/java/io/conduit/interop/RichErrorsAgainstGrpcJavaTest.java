package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.LocalizedMessage;
import com.google.rpc.RetryInfo;
import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.protobuf.rpc.StatusProto;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.ServerStreamObserver;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceRpc;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rich error details ({@code google.rpc.Status} in {@code grpc-status-details-bin}) between
 * Conduit's {@link StatusProto} and grpc-java's {@code io.grpc.protobuf.StatusProto}, grpc-java in
 * a JVM of its own, both ways: trailers-only (UnaryCall) and after a response message
 * (StreamingOutputCall).
 */
@Timeout(120)
class RichErrorsAgainstGrpcJavaTest {
  private static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(60);

  /** What {@code GrpcJavaRichErrorServer} fails every call with (built there the same way). */
  private static final com.google.rpc.Status FROM_GRPC_JAVA = com.google.rpc.Status.newBuilder()
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

  @Test
  void aConduitClientReadsTheDetailsOfAGrpcJavaServer() throws Exception {
    try (GrpcJavaPeer.Listening peer = GrpcJavaPeer.startListening(
            GrpcJavaPeer.RICH_ERROR_SERVER_CLASS, List.of("--port=0"), TIMEOUT);
        Channel channel = Channel.forAddress("127.0.0.1", peer.address().getPort()).plaintext().build()) {
      TestServiceRpc.BlockingClient client = TestServiceRpc.newBlockingClient(channel)
          .withDeadline(TIMEOUT);

      assertThatThrownBy(() -> client.unaryCall(SimpleRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusException.class, RichErrorsAgainstGrpcJavaTest::assertFromGrpcJava);

      try (BlockingIterator<StreamingOutputCallResponse> responses =
          client.streamingOutputCall(StreamingOutputCallRequest.getDefaultInstance())) {
        assertThat(responses.next()).isEqualTo(StreamingOutputCallResponse.getDefaultInstance());
        assertThatThrownBy(responses::hasNext)
            .isInstanceOfSatisfying(StatusException.class, RichErrorsAgainstGrpcJavaTest::assertFromGrpcJava);
      }
    }
  }

  private static void assertFromGrpcJava(StatusException e) {
    assertThat(e.status().code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.status().description()).isEqualTo("grpc-java refuses the request");
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).isEqualTo(FROM_GRPC_JAVA);
    assertThat(StatusProto.detail(status, RetryInfo.class).orElseThrow().getRetryDelay().getNanos())
        .isEqualTo(250_000_000);
  }

  /** Fails both methods with details; the rest answer UNIMPLEMENTED. */
  private static final class RefusingService extends TestServiceRpc.Service {
    static final com.google.rpc.Status STATUS = StatusProto.of(
        Status.FAILED_PRECONDITION.withDescription("Conduit is not ready"),
        ErrorInfo.newBuilder().setReason("NOT_READY").setDomain("conduit.interop")
            .putMetadata("b", "2").putMetadata("a", "1").build(),
        BadRequest.newBuilder()
            .addFieldViolations(BadRequest.FieldViolation.newBuilder()
                .setField("response_size").setDescription("too large"))
            .addFieldViolations(BadRequest.FieldViolation.newBuilder()
                .setField("payload").setDescription("not wanted"))
            .build(),
        RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder().setSeconds(1).setNanos(5)).build(),
        LocalizedMessage.newBuilder().setLocale("en-US").setMessage("Not ready yet").build());

    @Override
    public void unaryCall(SimpleRequest request, ServerStreamObserver<SimpleResponse> responses) {
      throw StatusProto.toStatusException(STATUS);
    }

    @Override
    public void streamingOutputCall(StreamingOutputCallRequest request,
        ServerStreamObserver<StreamingOutputCallResponse> responses) {
      responses.onNext(StreamingOutputCallResponse.getDefaultInstance());
      responses.onError(StatusProto.toStatusException(STATUS));
    }
  }

  @Test
  void aGrpcJavaClientReadsTheDetailsOfAConduitServer() throws Exception {
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(new RefusingService())
        .build().start()) {
      GrpcJavaPeer.Result result = GrpcJavaPeer.run(GrpcJavaPeer.RICH_ERROR_CLIENT_CLASS,
          List.of("--target=127.0.0.1:" + server.port()), TIMEOUT);
      assertThat(result.exitCode()).as("output:%n%s", result.output()).isZero();
      for (String call : List.of("unary", "stream")) {
        assertThat(result.output()).as("output").containsSubsequence(
            call + " status: FAILED_PRECONDITION: Conduit is not ready",
            call + " google.rpc.Status: code=9 message=\"Conduit is not ready\" details=4",
            call + " ErrorInfo: reason=NOT_READY domain=conduit.interop metadata={a=1, b=2}",
            call + " BadRequest: field=response_size description=\"too large\""
                + " field=payload description=\"not wanted\"",
            call + " RetryInfo: delay=1s 5ns",
            call + " other detail: type.googleapis.com/google.rpc.LocalizedMessage");
      }
      assertThat(result.output()).contains("stream responses before the failure: 1");
    }
  }
}
