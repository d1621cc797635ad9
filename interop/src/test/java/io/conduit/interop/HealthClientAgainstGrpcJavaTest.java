package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.Channel;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.health.HealthClient;
import io.conduit.health.HealthStatus;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Conduit's {@link HealthClient} against grpc-java's health service ({@code HealthStatusManager}
 * of grpc-services, in {@code GrpcJavaReflectionServer}'s JVM), where only the server as a whole
 * ({@code ""}) is known, and SERVING.
 */
@Timeout(120)
class HealthClientAgainstGrpcJavaTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void checkAndWatchGrpcJavasHealthService() throws Exception {
    try (GrpcJavaPeer.Listening peer = GrpcJavaPeer.startListening(
            GrpcJavaPeer.REFLECTION_SERVER_CLASS, List.of("--port=0"), TIMEOUT);
        Channel channel = Channel.forAddress("127.0.0.1", peer.address().getPort()).plaintext().build()) {
      HealthClient health = HealthClient.of(channel).withDeadline(TIMEOUT);
      assertThat(health.check("")).isEqualTo(HealthStatus.SERVING);
      assertThat(health.checkAsync("").get(60, TimeUnit.SECONDS)).isEqualTo(HealthStatus.SERVING);
      assertThatThrownBy(() -> health.check("no.such.Service"))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND));

      try (BlockingIterator<HealthStatus> watch = health.watch("no.such.Service")) {
        assertThat(watch.next()).isEqualTo(HealthStatus.SERVICE_UNKNOWN);
      }

      BlockingQueue<Object> events = new LinkedBlockingQueue<>();
      HealthClient.Watch watch = health.watch("", new StreamObserver<>() {
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
      });
      assertThat(events.poll(60, TimeUnit.SECONDS)).isEqualTo(HealthStatus.SERVING);
      watch.cancel();
      assertThat(events.poll(60, TimeUnit.SECONDS)).isInstanceOfSatisfying(StatusException.class,
          e -> assertThat(e.status().code()).isEqualTo(Status.Code.CANCELLED));
    }
  }
}
