package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Request context without interceptors (ServerCallInfo), Contexts.interceptCall, and response
 * metadata captured on the client (ClientInterceptor.captureMetadata).
 */
@Timeout(60)
class ServerCallInfoTest {
  static final MethodDescriptor<String, String> WHO = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Info/Who", EchoService.STRING, EchoService.STRING);
  static final MethodDescriptor<String, String> COLLECT = MethodDescriptor.of(
      MethodDescriptor.Type.CLIENT_STREAMING, "test.Info/Collect", EchoService.STRING,
      EchoService.STRING);
  static final Context.Key<String> USER = Context.Key.of("test.user");

  private static Channel channelTo(Server server) {
    return Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
  }

  @Test
  void handlerReadsHeadersPeerMethodAndAuthority() throws Exception {
    AtomicReference<ServerCallInfo> seen = new AtomicReference<>();
    ServiceDefinition svc = ServiceDefinition.builder("test.Info")
        .method(WHO, ServerCalls.unary((req, out) -> {
          seen.set(ServerCallInfo.current());
          out.onNext(ServerCallInfo.current().headers().get("x-tenant"));
          out.onCompleted();
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      CallFactory client = ClientInterceptor.intercept(channel,
          List.of(ClientInterceptor.attachHeaders(new Metadata().add("x-tenant", "acme"))));
      assertThat(ClientCalls.blockingUnary(client, WHO, CallOptions.DEFAULT, "x")).isEqualTo("acme");
      ServerCallInfo info = seen.get();
      assertThat(info.fullMethodName()).isEqualTo("test.Info/Who");
      assertThat(info.authority()).contains(Integer.toString(server.port()));
      assertThat(info.peer()).isNotNull();
      assertThat(((InetSocketAddress) info.peer().remoteAddress()).getAddress().isLoopbackAddress())
          .isTrue();
      // Outside a call there is none.
      assertThat(ServerCallInfo.current()).isNull();
    }
  }

  @Test
  void interceptCallRunsEveryCallbackInTheContext() throws Exception {
    Map<String, String> seen = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(2);
    // A raw handler, so onComplete and onCancel are visible too.
    ServerCallHandler<String, String> handler = (call, headers) -> {
      seen.put("startCall", String.valueOf(USER.get()));
      call.request(10);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(String message) {
          seen.put("onMessage:" + message, String.valueOf(USER.get()));
        }

        @Override
        public void onHalfClose() {
          seen.put("onHalfClose", String.valueOf(USER.get()));
          call.sendHeaders(new Metadata());
          call.sendMessage("ok");
          call.close(Status.OK, new Metadata());
        }

        @Override
        public void onComplete() {
          seen.put("onComplete", String.valueOf(USER.get()));
          done.countDown();
        }

        @Override
        public void onCancel() {
          seen.put("onCancel", String.valueOf(USER.get()));
          done.countDown();
        }
      };
    };
    ServerInterceptor withUser = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(USER, headers.get("x-user")),
            call, headers, next);
      }
    };
    ServiceDefinition svc = ServiceDefinition.builder("test.Info")
        .method(COLLECT, ServerInterceptor.intercept(handler, List.of(withUser)))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      CallFactory alice = ClientInterceptor.intercept(channel,
          List.of(ClientInterceptor.attachHeaders(new Metadata().add("x-user", "alice"))));
      // A completed call: onMessage, onHalfClose, onComplete.
      ClientCall<String, String> call = alice.newCall(COLLECT, CallOptions.DEFAULT);
      CompletableFuture<Status> closed = new CompletableFuture<>();
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onClose(Status status, Metadata trailers) {
          closed.complete(status);
        }
      }, new Metadata());
      call.request(1);
      call.sendMessage("a");
      call.halfClose();
      assertThat(closed.get(5, TimeUnit.SECONDS).isOk()).isTrue();

      // A cancelled call: onCancel. The server has the message before the client cancels.
      CallFactory bob = ClientInterceptor.intercept(channel,
          List.of(ClientInterceptor.attachHeaders(new Metadata().add("x-user", "bob"))));
      ClientCall<String, String> cancelled = bob.newCall(COLLECT, CallOptions.DEFAULT);
      cancelled.start(new ClientCall.Listener<>() {}, new Metadata());
      cancelled.sendMessage("b");
      while (!seen.containsKey("onMessage:b")) {
        Thread.onSpinWait();
      }
      cancelled.cancel("test cancels", null);
      assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).containsEntry("onMessage:a", "alice").containsEntry("onHalfClose", "alice")
        .containsEntry("onComplete", "alice").containsEntry("onMessage:b", "bob")
        .containsEntry("onCancel", "bob");
  }

  @Test
  void captureMetadataSeesHeadersAndTrailersOfSuccessAndFailure() throws Exception {
    ServiceDefinition svc = ServiceDefinition.builder("test.Info")
        .method(WHO, ServerCalls.unary((req, out) -> {
          if (req.equals("fail")) {
            throw Status.NOT_FOUND.withDescription("no such thing")
                .asException(new Metadata().add("x-why", "missing"));
          }
          out.sendHeaders(new Metadata().add("x-served-by", "node-1"));
          out.onNext("ok");
          out.onCompleted(new Metadata().add("x-cost", "3"));
        }))
        .build();
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      CallFactory client = ClientInterceptor.intercept(channel,
          List.of(ClientInterceptor.captureMetadata(headers, trailers)));

      assertThat(ClientCalls.blockingUnary(client, WHO, CallOptions.DEFAULT, "x")).isEqualTo("ok");
      assertThat(headers.get().get("x-served-by")).isEqualTo("node-1");
      assertThat(trailers.get().get("x-cost")).isEqualTo("3");

      // The async (future) flavour, failing: the previous call's metadata is gone.
      CompletableFuture<String> failed = ClientCalls.futureUnary(client, WHO, CallOptions.DEFAULT, "fail");
      assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(StatusException.class);
      assertThat(trailers.get().get("x-why")).isEqualTo("missing");
      assertThat(trailers.get().get("x-cost")).isNull();
      assertThat(headers.get() == null || headers.get().get("x-served-by") == null).isTrue();
    }
  }
}
