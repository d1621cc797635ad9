package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.BlockingCall;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import io.conduit.testing.Await;
import io.conduit.testing.FakeClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EndToEndTest {
  static Server server;
  static Channel channel;

  @BeforeAll
  static void start() {
    server = Server.builder().bind("127.0.0.1", 0).service(EchoService.definition()).build().start();
    channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
  }

  @AfterAll
  static void stop() {
    channel.close();
    server.close();
  }

  @Test
  void unary() {
    assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "hello"))
        .isEqualTo("hello");
  }

  @Test
  void unaryEmptyMessage() {
    assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, ""))
        .isEqualTo("");
  }

  @Test
  void statusWithUnicodeMessage() {
    String message = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n";
    assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, EchoService.UNARY,
        CallOptions.DEFAULT, "fail:2:" + message))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.status().code()).isEqualTo(Status.Code.UNKNOWN);
          assertThat(e.status().description()).isEqualTo(message);
        });
  }

  @Test
  void serverStreaming() {
    List<String> got = new ArrayList<>();
    try (BlockingIterator<String> it = ClientCalls.blockingServerStreaming(
        channel, EchoService.SERVER_STREAM, CallOptions.DEFAULT, "3:x")) {
      it.forEachRemaining(got::add);
    }
    assertThat(got).containsExactly("x0", "x1", "x2");
  }

  @Test
  void clientStreaming() {
    try (BlockingCall<String, String> call =
        ClientCalls.blockingStreaming(channel, EchoService.CLIENT_STREAM, CallOptions.DEFAULT)) {
      call.send("a");
      call.send("b");
      call.send("c");
      assertThat(call.finish()).isEqualTo("a,b,c");
    }
  }

  @Test
  void bidiStreaming() {
    try (BlockingCall<String, String> call =
        ClientCalls.blockingStreaming(channel, EchoService.BIDI, CallOptions.DEFAULT)) {
      for (int i = 0; i < 100; i++) {
        call.send("m" + i);
        assertThat(call.read()).isEqualTo("m" + i);
      }
      call.halfClose();
      assertThat(call.read()).isNull();
    }
  }

  @Test
  void deadlineExceeded() throws Exception {
    FakeClock clock = new FakeClock();
    try (Channel onClock = Channel.forAddress("127.0.0.1", server.port()).plaintext().clock(clock).build()) {
      java.util.concurrent.CompletableFuture<String> call = ClientCalls.futureUnary(onClock,
          EchoService.UNARY, CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofMillis(200), clock)),
          "sleep:5000");
      Await.until("the deadline timer", Duration.ofSeconds(5),
          () -> Duration.ofMillis(200).equals(clock.untilNextTimer()));
      clock.advance(Duration.ofMillis(199));
      assertThat(call).isNotDone();
      // At the deadline, not at the server's pace (it would answer after 5 s).
      clock.advance(Duration.ofMillis(1));
      assertThatThrownBy(() -> call.get(5, java.util.concurrent.TimeUnit.SECONDS)).cause()
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }
  }

  @Test
  void deadlineReachesTheServer() {
    String remaining = ClientCalls.blockingUnary(channel, EchoService.UNARY,
        CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), "deadline");
    assertThat(Long.parseLong(remaining)).isBetween(5_000L, 10_000L);
    assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "deadline"))
        .isEqualTo("none");
  }

  @Test
  void unknownMethodIsUnimplemented() {
    MethodDescriptor<String, String> missing = MethodDescriptor.of(
        MethodDescriptor.Type.UNARY, "test.Echo/Missing", EchoService.STRING, EchoService.STRING);
    assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, missing, CallOptions.DEFAULT, "x"))
        .isInstanceOfSatisfying(StatusException.class,
            e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }
}
