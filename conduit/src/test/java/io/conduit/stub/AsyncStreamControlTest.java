package io.conduit.stub;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Flow control and cancellation on async streams: the client's request observer (isReady,
 * on-ready, cancel), the server-streaming call handle, and server handlers that request their
 * input themselves.
 */
@Timeout(60)
class AsyncStreamControlTest {
  static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  static final MethodDescriptor<String, String> UPLOAD = MethodDescriptor.of(
      MethodDescriptor.Type.CLIENT_STREAMING, "test.Flow/Upload", STRING, STRING);
  static final MethodDescriptor<String, String> CHAT = MethodDescriptor.of(
      MethodDescriptor.Type.BIDI_STREAMING, "test.Flow/Chat", STRING, STRING);
  static final MethodDescriptor<String, String> FEED = MethodDescriptor.of(
      MethodDescriptor.Type.SERVER_STREAMING, "test.Flow/Feed", STRING, STRING);

  private static Channel channelTo(Server server) {
    return Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
  }

  /** Collects a response stream's outcome. */
  static final class Outcome<T> implements StreamObserver<T> {
    final BlockingQueue<T> values = new LinkedBlockingQueue<>();
    final CompletableFuture<Throwable> done = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
      values.add(value);
    }

    @Override
    public void onError(Throwable t) {
      done.complete(t);
    }

    @Override
    public void onCompleted() {
      done.complete(null);
    }
  }

  @Test
  void senderThatRespectsReadinessStopsWhenTheServerDoesNotReadAndResumesOnReady() throws Exception {
    AtomicReference<ServerStreamObserver<String>> serverSide = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    List<String> received = Collections.synchronizedList(new ArrayList<>());
    ServiceDefinition svc = ServiceDefinition.builder("test.Flow")
        .method(UPLOAD, ServerCalls.clientStreaming(out -> {
          // A slow server: reads nothing until the test lets it.
          out.disableAutoRequest();
          serverSide.set(out);
          started.countDown();
          return new StreamObserver<String>() {
            @Override
            public void onNext(String value) {
              received.add(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
              out.onNext(Integer.toString(received.size()));
              out.onCompleted();
            }
          };
        }))
        .build();
    String chunk = "x".repeat(16 * 1024);
    int bound = 10_000; // 160 MB: far past any window, so reaching it means no back-pressure
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      Outcome<String> outcome = new Outcome<>();
      ClientStreamObserver<String> requests =
          ClientCalls.asyncClientStreaming(channel, UPLOAD, CallOptions.DEFAULT, outcome);
      CountDownLatch readyAgain = new CountDownLatch(1);
      AtomicReference<Boolean> readyInHandler = new AtomicReference<>();
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      int sent = 0;
      // Wait for the call to become ready first (it may not be before the stream is open).
      CountDownLatch firstReady = new CountDownLatch(1);
      requests.setOnReadyHandler(firstReady::countDown);
      if (!requests.isReady()) {
        assertThat(firstReady.await(5, TimeUnit.SECONDS)).isTrue();
      }
      while (requests.isReady() && sent < bound) {
        requests.onNext(chunk);
        sent++;
      }
      assertThat(sent).as("messages sent before the call stopped being ready").isLessThan(bound);
      requests.setOnReadyHandler(() -> {
        readyInHandler.compareAndSet(null, requests.isReady());
        readyAgain.countDown();
      });
      // The transport may have drained part of the buffer into the window meanwhile, so the call
      // can be ready again already; the bound above is what shows back-pressure held.
      if (requests.isReady()) {
        readyInHandler.compareAndSet(null, true);
        readyAgain.countDown();
      }
      // The server reads: the client's buffer drains and the call becomes ready again.
      serverSide.get().request(Integer.MAX_VALUE);
      assertThat(readyAgain.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(readyInHandler.get()).isTrue();
      requests.onCompleted();
      assertThat(outcome.done.get(10, TimeUnit.SECONDS)).isNull();
      assertThat(outcome.values.poll()).isEqualTo(Integer.toString(sent));
    }
  }

  @Test
  void cancelFromTheRequestObserverReachesTheServer() throws Exception {
    CompletableFuture<Boolean> serverSawCancel = new CompletableFuture<>();
    CompletableFuture<Throwable> requestsFailed = new CompletableFuture<>();
    CountDownLatch gotFirst = new CountDownLatch(1);
    ServiceDefinition svc = ServiceDefinition.builder("test.Flow")
        .method(CHAT, ServerCalls.bidiStreaming(out -> {
          out.setOnCancelHandler(() -> serverSawCancel.complete(out.isCancelled()));
          return new StreamObserver<String>() {
            @Override
            public void onNext(String value) {
              gotFirst.countDown();
            }

            @Override
            public void onError(Throwable t) {
              requestsFailed.complete(t);
            }

            @Override
            public void onCompleted() {}
          };
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      Outcome<String> outcome = new Outcome<>();
      ClientStreamObserver<String> requests =
          ClientCalls.asyncBidiStreaming(channel, CHAT, CallOptions.DEFAULT, outcome);
      requests.onNext("hello");
      assertThat(gotFirst.await(5, TimeUnit.SECONDS)).isTrue();
      requests.cancel("user pressed stop", null);
      assertThat(serverSawCancel.get(5, TimeUnit.SECONDS)).isTrue();
      assertThat(requestsFailed.get(5, TimeUnit.SECONDS)).isInstanceOf(StatusException.class);
      Throwable clientSaw = outcome.done.get(5, TimeUnit.SECONDS);
      assertThat(((StatusException) clientSaw).status().code()).isEqualTo(Status.Code.CANCELLED);
      assertThat(clientSaw).hasMessageContaining("user pressed stop");
    }
  }

  @Test
  void serverStreamingHandleCancelsTheCall() throws Exception {
    CompletableFuture<Boolean> serverSawCancel = new CompletableFuture<>();
    ServiceDefinition svc = ServiceDefinition.builder("test.Flow")
        .method(FEED, ServerCalls.serverStreaming((req, out) -> {
          out.setOnCancelHandler(() -> serverSawCancel.complete(out.isCancelled()));
          // One message, then an endless feed that only cancellation ends.
          out.onNext("first");
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      Outcome<String> outcome = new Outcome<>();
      CallHandle handle = ClientCalls.asyncServerStreaming(channel, FEED, CallOptions.DEFAULT, "go", outcome);
      assertThat(outcome.values.poll(5, TimeUnit.SECONDS)).isEqualTo("first");
      handle.cancel("enough", null);
      assertThat(serverSawCancel.get(5, TimeUnit.SECONDS)).isTrue();
      Throwable clientSaw = outcome.done.get(5, TimeUnit.SECONDS);
      assertThat(((StatusException) clientSaw).status().code()).isEqualTo(Status.Code.CANCELLED);
    }
  }

  @Test
  void handlerWithAutoRequestOffReceivesExactlyWhatItRequested() throws Exception {
    // Events from both sides in one order; a message can only follow the request that allowed it.
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    BlockingQueue<String> arrived = new LinkedBlockingQueue<>();
    AtomicReference<ServerStreamObserver<String>> serverSide = new AtomicReference<>();
    ServiceDefinition svc = ServiceDefinition.builder("test.Flow")
        .method(CHAT, ServerCalls.bidiStreaming(out -> {
          out.disableAutoRequest();
          serverSide.set(out);
          events.add("request 2");
          out.request(2);
          return new StreamObserver<String>() {
            @Override
            public void onNext(String value) {
              events.add("got " + value);
              arrived.add(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
              events.add("completed");
              out.onCompleted();
            }
          };
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      Outcome<String> outcome = new Outcome<>();
      ClientStreamObserver<String> requests =
          ClientCalls.asyncBidiStreaming(channel, CHAT, CallOptions.DEFAULT, outcome);
      for (String m : List.of("a", "b", "c", "d", "e")) {
        requests.onNext(m);
      }
      requests.onCompleted();
      assertThat(arrived.poll(5, TimeUnit.SECONDS)).isEqualTo("a");
      assertThat(arrived.poll(5, TimeUnit.SECONDS)).isEqualTo("b");
      events.add("request 1");
      serverSide.get().request(1);
      assertThat(arrived.poll(5, TimeUnit.SECONDS)).isEqualTo("c");
      events.add("request 3");
      serverSide.get().request(3);
      assertThat(outcome.done.get(5, TimeUnit.SECONDS)).isNull();
    }
    assertThat(events).containsExactly("request 2", "got a", "got b", "request 1", "got c",
        "request 3", "got d", "got e", "completed");
  }
}
