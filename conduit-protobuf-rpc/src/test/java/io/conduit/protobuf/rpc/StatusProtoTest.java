package io.conduit.protobuf.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.StringValue;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.protobuf.ProtoMarshaller;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class StatusProtoTest {
  private static final ProtoMarshaller<StringValue> STRING = ProtoMarshaller.of(StringValue.getDefaultInstance());
  private static final MethodDescriptor<StringValue, StringValue> FAIL = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Rich/Fail", STRING, STRING);
  private static final MethodDescriptor<StringValue, StringValue> FAIL_LATER = MethodDescriptor.of(
      MethodDescriptor.Type.SERVER_STREAMING, "test.Rich/FailLater", STRING, STRING);

  static final ErrorInfo ERROR_INFO = ErrorInfo.newBuilder()
      .setReason("NAME_TAKEN").setDomain("conduit.example").putMetadata("name", "alice").build();
  static final BadRequest BAD_REQUEST = BadRequest.newBuilder()
      .addFieldViolations(BadRequest.FieldViolation.newBuilder()
          .setField("name").setDescription("must be unique"))
      .build();
  static final RetryInfo RETRY_INFO = RetryInfo.newBuilder()
      .setRetryDelay(Duration.newBuilder().setSeconds(3).setNanos(500_000_000)).build();

  /** The status every failing method below ends with. */
  static final com.google.rpc.Status RICH = com.google.rpc.Status.newBuilder()
      .setCode(Code.ALREADY_EXISTS_VALUE)
      .setMessage("name alice is taken")
      .addDetails(Any.pack(ERROR_INFO))
      .addDetails(Any.pack(BAD_REQUEST))
      .addDetails(Any.pack(RETRY_INFO))
      .build();

  private static ServiceDefinition service() {
    return ServiceDefinition.builder("test.Rich")
        .method(FAIL, ServerCalls.unary((req, out) -> {
          // An extra trailer travels with the details.
          throw StatusProto.toStatusException(RICH, new Metadata().add("x-extra", "yes"));
        }))
        .method(FAIL_LATER, ServerCalls.serverStreaming((req, out) -> {
          // Not trailers-only: a message first, then the status with details.
          out.onNext(StringValue.of("first"));
          out.onError(StatusProto.toStatusException(RICH));
        }))
        .build();
  }

  private static void assertRich(Throwable failure) {
    com.google.rpc.Status received = StatusProto.fromThrowable(failure);
    assertThat(received).isEqualTo(RICH);
    assertThat(StatusProto.detail(received, ErrorInfo.class)).contains(ERROR_INFO);
    assertThat(StatusProto.detail(received, BadRequest.class)).contains(BAD_REQUEST);
    assertThat(StatusProto.detail(received, RetryInfo.class)).contains(RETRY_INFO);
    assertThat(StatusProto.detail(received, com.google.rpc.DebugInfo.class)).isEmpty();
    Status status = Status.fromThrowable(failure);
    assertThat(status.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(status.description()).isEqualTo("name alice is taken");
  }

  private static void roundTrip(Function<Server.Builder, Server.Builder> address,
      Function<Server, Channel> channelFor) {
    try (Server server = address.apply(Server.builder()).service(service()).build().start();
        Channel channel = channelFor.apply(server)) {
      CallOptions options = CallOptions.DEFAULT.withTimeout(java.time.Duration.ofSeconds(10));
      // Blocking unary: trailers-only response.
      StatusException blocking = org.junit.jupiter.api.Assertions.assertThrows(StatusException.class,
          () -> ClientCalls.blockingUnary(channel, FAIL, options, StringValue.of("alice")));
      assertRich(blocking);
      assertThat(blocking.trailers().get("x-extra")).isEqualTo("yes");

      // Future: the StatusException is the cause of the CompletionException.
      CompletionException async = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
          () -> ClientCalls.futureUnary(channel, FAIL, options, StringValue.of("alice"))
              .orTimeout(10, TimeUnit.SECONDS).join());
      assertRich(async);

      // Server streaming: the details come in the trailers after a message.
      try (BlockingIterator<StringValue> responses =
          ClientCalls.blockingServerStreaming(channel, FAIL_LATER, options, StringValue.of("x"))) {
        assertThat(responses.next().getValue()).isEqualTo("first");
        assertThatThrownBy(responses::hasNext).satisfies(StatusProtoTest::assertRich);
      }
    }
  }

  @Test
  void detailsCrossALoopbackConnection() {
    roundTrip(b -> b.bind("127.0.0.1", 0),
        server -> Channel.forAddress("127.0.0.1", server.port()).plaintext().build());
  }

  @Test
  void detailsCrossTheInProcessTransport() {
    String name = "rich-" + System.nanoTime();
    roundTrip(b -> b.inProcess(name), server -> Channel.builder("inprocess:" + name).build());
  }

  @Test
  void statusWithDetailsAgreesWithTheGrpcStatus() {
    Throwable cause = new IllegalStateException("local only");
    StatusException e = StatusProto.toStatusException(
        Status.INVALID_ARGUMENT.withDescription("bad name").withCause(cause), BAD_REQUEST, Any.pack(ERROR_INFO));
    assertThat(e.status().code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.status().description()).isEqualTo("bad name");
    assertThat(e.getCause()).isSameAs(cause);
    com.google.rpc.Status proto = StatusProto.fromThrowable(e);
    assertThat(proto.getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
    assertThat(proto.getMessage()).isEqualTo("bad name");
    // An Any is kept as it is, not packed twice.
    assertThat(proto.getDetailsList()).containsExactly(Any.pack(BAD_REQUEST), Any.pack(ERROR_INFO));
  }

  @Test
  void messagesDefault() {
    // No description: the google.rpc.Status message is empty, and an empty message no description.
    assertThat(StatusProto.of(Status.NOT_FOUND).getMessage()).isEmpty();
    StatusException e = StatusProto.toStatusException(
        com.google.rpc.Status.newBuilder().setCode(Code.NOT_FOUND_VALUE).build());
    assertThat(e.status().description()).isNull();
    assertThat(e.getMessage()).isEqualTo("NOT_FOUND");
  }

  @Test
  void okAndUnknownCodesAreRefused() {
    assertThatThrownBy(() -> StatusProto.toStatusException(com.google.rpc.Status.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("code 0 (OK)");
    assertThatThrownBy(() -> StatusProto.toStatusException(
        com.google.rpc.Status.newBuilder().setCode(17).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("17 is not a gRPC status code");
    assertThatThrownBy(() -> StatusProto.of(Status.OK, ERROR_INFO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withoutTheTrailerTheStatusItselfIsRead() {
    StatusException local = Status.UNAVAILABLE.withDescription("connection refused").asException();
    assertThat(StatusProto.fromThrowable(new RuntimeException(local))).isEqualTo(
        com.google.rpc.Status.newBuilder().setCode(Code.UNAVAILABLE_VALUE)
            .setMessage("connection refused").build());
    assertThat(StatusProto.fromStatusAndTrailers(Status.CANCELLED, null))
        .isEqualTo(com.google.rpc.Status.newBuilder().setCode(Code.CANCELLED_VALUE).build());
    assertThat(StatusProto.fromThrowable(new IllegalStateException("no status"))).isNull();
  }

  @Test
  void aTrailerThatDisagreesOrIsNoStatusIsRefused() {
    Metadata mismatched = new Metadata().addBinary(StatusProto.DETAILS_KEY, RICH.toByteArray());
    assertThatThrownBy(() -> StatusProto.fromStatusAndTrailers(Status.INTERNAL, mismatched))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("code 6 (ALREADY_EXISTS)")
        .hasMessageContaining("gRPC status is 13 (INTERNAL)");
    Metadata garbage = new Metadata().addBinary(StatusProto.DETAILS_KEY, new byte[] {(byte) 0xff, 1});
    assertThatThrownBy(() -> StatusProto.fromStatusAndTrailers(Status.ALREADY_EXISTS, garbage))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not hold a google.rpc.Status");
  }

  @Test
  void givenTrailersAreKeptAndAnOldDetailsTrailerReplaced() {
    Metadata trailers = new Metadata().add("x-a", "1")
        .addBinary(StatusProto.DETAILS_KEY, new byte[] {1, 2, 3});
    StatusException e = StatusProto.toStatusException(RICH, trailers);
    assertThat(e.trailers().get("x-a")).isEqualTo("1");
    assertThat(e.trailers().getAllBinary(StatusProto.DETAILS_KEY)).hasSize(1);
    assertThat(StatusProto.fromThrowable(e)).isEqualTo(RICH);
    // The caller's metadata is not changed.
    assertThat(trailers.getBinary(StatusProto.DETAILS_KEY)).containsExactly(1, 2, 3);
  }

  @Test
  void everyDetailOfATypeInOrder() {
    ErrorInfo second = ErrorInfo.newBuilder().setReason("SECOND").build();
    com.google.rpc.Status status = StatusProto.of(Status.ABORTED, ERROR_INFO, RETRY_INFO, second);
    assertThat(StatusProto.details(status, ErrorInfo.class)).isEqualTo(List.of(ERROR_INFO, second));
    assertThat(StatusProto.detail(status, ErrorInfo.class)).contains(ERROR_INFO);
  }
}
