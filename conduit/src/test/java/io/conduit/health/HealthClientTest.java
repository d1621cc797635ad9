package io.conduit.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.ServerCalls;
import io.conduit.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link HealthClient} against a real server with a {@link HealthStatusManager}. */
@Timeout(60)
class HealthClientTest {
  private static final String SERVICE = "test.Who";

  private static Server server(HealthStatusManager health) {
    return Server.builder().bind("127.0.0.1", 0).service(health).build().start();
  }

  private static Channel channel(Server server) {
    return Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
  }

  private static HealthClient client(Channel channel) {
    return HealthClient.of(channel).withDeadline(Duration.ofSeconds(10));
  }

  @Test
  void checkAnswersTheStatusOrNotFound() {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(SERVICE, HealthStatus.NOT_SERVING);
    try (Server server = server(health); Channel channel = channel(server)) {
      HealthClient client = client(channel);
      assertThat(client.check(HealthStatusManager.SERVER)).isEqualTo(HealthStatus.SERVING);
      assertThat(client.check(SERVICE)).isEqualTo(HealthStatus.NOT_SERVING);
      health.setStatus(SERVICE, HealthStatus.SERVING);
      assertThat(client.check(SERVICE)).isEqualTo(HealthStatus.SERVING);
      assertThatThrownBy(() -> client.check("no.Such"))
          .isInstanceOfSatisfying(StatusException.class, e -> {
            assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.status().description()).contains("no.Such");
          });
    }
  }

  @Test
  void checkAsyncCompletesWithTheStatusOrFailsWithNotFound() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(SERVICE, HealthStatus.NOT_SERVING);
    try (Server server = server(health); Channel channel = channel(server)) {
      HealthClient client = client(channel);
      assertThat(client.checkAsync(SERVICE).get(10, TimeUnit.SECONDS)).isEqualTo(HealthStatus.NOT_SERVING);
      assertThat(client.checkAsync("").get(10, TimeUnit.SECONDS)).isEqualTo(HealthStatus.SERVING);
      CompletableFuture<HealthStatus> unknown = client.checkAsync("no.Such");
      assertThatThrownBy(() -> unknown.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND));
    }
  }

  @Test
  void aServerWithoutTheHealthServiceAnswersUnimplemented() {
    ServiceDefinition who = ServiceDefinition.builder("test.Who")
        .method(HealthTest.WHO, ServerCalls.unary((req, out) -> {
          out.onNext("x");
          out.onCompleted();
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(who).build().start();
        Channel channel = channel(server)) {
      assertThatThrownBy(() -> client(channel).check(""))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }
  }

  @Test
  void blockingWatchSeesEveryChangeInOrderUntilClosed() {
    HealthStatusManager health = new HealthStatusManager();
    try (Server server = server(health); Channel channel = channel(server)) {
      try (BlockingIterator<HealthStatus> watch = HealthClient.of(channel).watch(SERVICE)) {
        assertThat(watch.next()).isEqualTo(HealthStatus.SERVICE_UNKNOWN);
        health.setStatus(SERVICE, HealthStatus.SERVING);
        assertThat(watch.next()).isEqualTo(HealthStatus.SERVING);
        health.setStatus(SERVICE, HealthStatus.NOT_SERVING);
        health.setStatus(SERVICE, HealthStatus.SERVING);
        assertThat(watch.next()).isEqualTo(HealthStatus.NOT_SERVING);
        assertThat(watch.next()).isEqualTo(HealthStatus.SERVING);
        health.clearStatus(SERVICE);
        assertThat(watch.next()).isEqualTo(HealthStatus.SERVICE_UNKNOWN);
      }
      // Closed: the call is cancelled, and the channel still serves other calls.
      assertThat(client(channel).check("")).isEqualTo(HealthStatus.SERVING);
    }
  }

  @Test
  void watchObserverSeesEveryChangeInOrderAndCancelEndsIt() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(SERVICE, HealthStatus.SERVING);
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    try (Server server = server(health); Channel channel = channel(server)) {
      HealthClient.Watch watch = HealthClient.of(channel).watch(SERVICE, new Recorder(events));
      assertThat(next(events)).isEqualTo(HealthStatus.SERVING);
      health.setStatus(SERVICE, HealthStatus.NOT_SERVING);
      health.clearStatus(SERVICE);
      health.setStatus(SERVICE, HealthStatus.SERVING);
      assertThat(next(events)).isEqualTo(HealthStatus.NOT_SERVING);
      assertThat(next(events)).isEqualTo(HealthStatus.SERVICE_UNKNOWN);
      assertThat(next(events)).isEqualTo(HealthStatus.SERVING);

      watch.cancel();
      assertThat(next(events)).isInstanceOfSatisfying(StatusException.class,
          e -> assertThat(e.status().code()).isEqualTo(Status.Code.CANCELLED));
      watch.cancel(); // a second cancel is harmless
      // Nothing after the end: a change now reaches no observer (a Check round trip later, the
      // queue is still empty; no callback follows a call's close).
      health.setStatus(SERVICE, HealthStatus.NOT_SERVING);
      assertThat(client(channel).check(SERVICE)).isEqualTo(HealthStatus.NOT_SERVING);
      assertThat(events).isEmpty();
    }
  }

  @Test
  void watchHearsNotServingWhenTheServerShutsDown() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Server server = server(health);
    try (Channel channel = channel(server)) {
      HealthClient.Watch watch = HealthClient.of(channel).watch("", new Recorder(events));
      assertThat(next(events)).isEqualTo(HealthStatus.SERVING);
      server.shutdown();
      assertThat(next(events)).isEqualTo(HealthStatus.NOT_SERVING);
      watch.close();
      assertThat(next(events)).isInstanceOf(StatusException.class);
    } finally {
      server.shutdownNow();
    }
  }

  private static Object next(BlockingQueue<Object> events) throws InterruptedException {
    Object event = events.poll(10, TimeUnit.SECONDS);
    assertThat(event).as("an event within 10 s").isNotNull();
    return event;
  }

  /** Puts each status, the failure or "completed" on a queue. */
  private record Recorder(BlockingQueue<Object> events) implements StreamObserver<HealthStatus> {
    @Override
    public void onNext(HealthStatus value) {
      events.add(value);
    }

    @Override
    public void onError(Throwable t) {
      events.add(t);
    }

    @Override
    public void onCompleted() {
      events.add("completed");
    }
  }
}
