package io.conduit.internal.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.stub.ServerStreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * least_request_experimental from a service config, over two real backends on loopback: one
 * that holds every call it gets, one that answers at once. The balancer must learn from each
 * call's end (the pick's {@code CallEndListener}) that the fast backend has nothing in flight and
 * send it nearly everything. round_robin, or a balancer that never heard calls end, would send
 * the slow one about half.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeastRequestTest {
  private static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  private static final MethodDescriptor<String, String> CALL =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Lr/Call", STRING, STRING);
  private static final int CALLS = 200;

  @Test
  void callsGoWhereFewestAreInFlight() throws Exception {
    Semaphore arrivedAtSlow = new Semaphore(0);
    ConcurrentLinkedQueue<ServerStreamObserver<String>> held = new ConcurrentLinkedQueue<>();
    Server slow = server(ServerCalls.unary((req, out) -> {
      held.add(out);
      arrivedAtSlow.release();
    }));
    Server fast = server(ServerCalls.unary((req, out) -> {
      out.onNext("fast");
      out.onCompleted();
    }));
    // choiceCount 10: with nothing in flight on the fast backend, a call goes to the slow one
    // only when all ten draws fall on it (1 in 1,024).
    Channel channel = Channel.builder("ipv4:127.0.0.1:" + slow.port() + ",127.0.0.1:" + fast.port())
        .plaintext()
        .defaultServiceConfig("{\"loadBalancingConfig\": "
            + "[{\"least_request_experimental\": {\"choiceCount\": 10}}]}")
        .build();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    try {
      CallOptions waiting = CallOptions.DEFAULT.withWaitForReady(true);
      // Until the fast backend has answered once, calls may pile up on the slow one.
      boolean fastAnswered = false;
      while (!fastAnswered) {
        fastAnswered = placed(ClientCalls.futureUnary(channel, CALL, waiting, "x"), arrivedAtSlow,
            calls);
      }
      int slowBefore = held.size();
      AtomicInteger toFast = new AtomicInteger();
      for (int i = 0; i < CALLS; i++) {
        if (placed(ClientCalls.futureUnary(channel, CALL, waiting, "x"), arrivedAtSlow, calls)) {
          toFast.incrementAndGet();
        } else {
          // Checked as it goes: past the slow server's 100 concurrent streams the next call to it
          // would wait at the client for good.
          assertThat(held.size() - slowBefore).as("calls sent to the backend holding calls, of "
              + (i + 1)).isLessThanOrEqualTo(10);
        }
      }
      int toSlow = held.size() - slowBefore;
      System.out.println("least_request: " + toFast.get() + " calls to the fast backend, "
          + toSlow + " to the one holding " + slowBefore + " or more");
      assertThat(toFast.get() + toSlow).isEqualTo(CALLS);
      assertThat(toSlow).isLessThanOrEqualTo(10);
    } finally {
      held.forEach(out -> {
        out.onNext("slow");
        out.onCompleted();
      });
      for (CompletableFuture<String> c : calls) {
        c.get(10, TimeUnit.SECONDS);
      }
      channel.close(Duration.ofSeconds(5));
      slow.close(Duration.ofSeconds(5));
      fast.close(Duration.ofSeconds(5));
    }
  }

  /**
   * Waits until {@code call} has either been answered by the fast backend (true) or arrived at
   * the slow one (false), so that the next pick sees it counted where it went.
   */
  private static boolean placed(CompletableFuture<String> call, Semaphore arrivedAtSlow,
      List<CompletableFuture<String>> calls) throws Exception {
    calls.add(call);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (call.isDone()) {
        assertThat(call.get()).isEqualTo("fast");
        return true;
      }
      if (arrivedAtSlow.tryAcquire(10, TimeUnit.MILLISECONDS)) {
        return false;
      }
    }
    throw new AssertionError("a call neither reached the slow backend nor was answered by the "
        + "fast one within 10 s");
  }

  private static Server server(io.conduit.ServerCallHandler<String, String> handler) {
    return Server.builder().bind("127.0.0.1", 0)
        .service(ServiceDefinition.builder("test.Lr").method(CALL, handler).build())
        .build().start();
  }
}
