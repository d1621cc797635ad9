package io.conduit.examples.helloworld;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.Server;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ServerStreamObserver;
import io.conduit.testing.ConduitExtension;
import io.grpc.examples.helloworld.GreeterRpc;
import io.grpc.examples.helloworld.HelloReply;
import io.grpc.examples.helloworld.HelloRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A service tested the way a user tests theirs, with the test kit: an in-process server, a
 * channel to it, and a fake clock for the deadline; the kit closes both after each test.
 */
class GreeterServiceTest {
  @RegisterExtension
  final ConduitExtension conduit = ConduitExtension.create().withFakeClock();

  static HelloRequest named(String name) {
    return HelloRequest.newBuilder().setName(name).build();
  }

  @Test
  void greetsByName() {
    Server server = conduit.server(new GreeterService());
    GreeterRpc.BlockingClient greeter = GreeterRpc.newBlockingClient(conduit.channel(server));
    assertThat(greeter.sayHello(named("you")).getMessage()).isEqualTo("Hello you");
  }

  @Test
  void aSlowAnswerMissesTheClientsDeadline() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    Server server = conduit.server(new GreeterRpc.Service() {
      @Override
      public void sayHello(HelloRequest request, ServerStreamObserver<HelloReply> reply) {
        arrived.countDown(); // and never answers: the deadline ends the call
      }
    });
    GreeterRpc.AsyncClient greeter = GreeterRpc.newAsyncClient(conduit.channel(server))
        .withDeadline(Duration.ofSeconds(30));

    CompletableFuture<HelloReply> reply = greeter.sayHello(named("you"));
    assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
    conduit.clock().advance(Duration.ofSeconds(30)); // no test waits 30 s

    assertThatThrownBy(() -> reply.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .extracting(e -> ((StatusException) e.getCause()).status().code())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }
}
