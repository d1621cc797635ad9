package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.testing.Await;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stats hook: what channel, call, attempt and server tracers hear, in what order. */
@Timeout(60)
class CallTracerTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final Context.Key<String> SPAN = Context.Key.of("test-span");

  /** Writes every event it hears, one line each, to {@code events}. */
  static final class Recorder implements ChannelTracer.Factory, ServerCallTracer.Factory {
    final List<String> client = new CopyOnWriteArrayList<>();
    final List<String> server = new CopyOnWriteArrayList<>();
    final List<String> connections = new CopyOnWriteArrayList<>();
    final AtomicReference<String> target = new AtomicReference<>();

    @Override
    public ChannelTracer newChannelTracer(String channelTarget) {
      target.set(channelTarget);
      return new ChannelTracer() {
        @Override
        public ClientCallTracer newCallTracer(MethodDescriptor<?, ?> method, CallOptions options) {
          client.add("call " + method.fullMethodName());
          return new ClientCallTracer() {
            @Override
            public Attempt newAttempt(AttemptInfo info) {
              client.add("attempt " + info.previousAttempts() + " transparent=" + info.transparentRetry()
                  + " hedge=" + info.hedge());
              return new Attempt() {
                @Override
                public void streamStarted(Metadata headers, boolean pickDelayed) {
                  headers.add("x-trace", "t" + info.previousAttempts());
                  client.add("stream");
                }

                @Override
                public void outboundMessage(int seqNo, long size, long wireSize) {
                  client.add("out " + seqNo + " " + size + " " + wireSize);
                }

                @Override
                public void inboundHeaders(Metadata headers) {
                  client.add("headers");
                }

                @Override
                public void inboundMessage(int seqNo, long size, long wireSize) {
                  client.add("in " + seqNo + " " + size + " " + wireSize);
                }

                @Override
                public void attemptEnded(Status status, Metadata trailers) {
                  client.add("attempt ended " + status.code());
                }
              };
            }

            @Override
            public void nameResolutionDelayed(long nanos) {
              client.add("resolution delayed");
            }

            @Override
            public void callEnded(Status status) {
              client.add("call ended " + status.code());
            }
          };
        }

        @Override
        public void connectionOpened(SocketAddress address) {
          connections.add("opened");
        }

        @Override
        public void connectionFailed(SocketAddress address, Status reason) {
          connections.add("failed " + reason.code());
        }

        @Override
        public void connectionClosed(SocketAddress address, String reason) {
          connections.add("closed " + reason);
        }
      };
    }

    @Override
    public ServerCallTracer newCallTracer(ServerCallTracer.CallInfo call) {
      server.add("call " + call.fullMethodName() + " registered=" + call.registered()
          + " x-trace=" + call.headers().get("x-trace"));
      return new ServerCallTracer() {
        @Override
        public Context filterContext(Context context) {
          return context.withValue(SPAN, "span of " + call.fullMethodName());
        }

        @Override
        public void outboundHeaders(Metadata headers) {
          server.add("headers");
        }

        @Override
        public void inboundMessage(int seqNo, long size, long wireSize) {
          server.add("in " + seqNo + " " + size + " " + wireSize);
        }

        @Override
        public void outboundMessage(int seqNo, long size, long wireSize) {
          server.add("out " + seqNo + " " + size + " " + wireSize);
        }

        @Override
        public void callEnded(Status status) {
          server.add("ended " + status.code());
        }
      };
    }
  }

  private static Server server(Recorder r, ServiceDefinition service) {
    return Server.builder().bind("127.0.0.1", 0).tracer(r).service(service).build().start();
  }

  private static Channel channel(Recorder r, Server server) {
    return Channel.forAddress("127.0.0.1", server.port()).plaintext().tracer(r).build();
  }

  @Test
  void aUnaryCallIsSeenFromBothEndsInOrder() throws Exception {
    Recorder r = new Recorder();
    try (Server server = server(r, EchoService.definition()); Channel channel = channel(r, server)) {
      assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "hello"))
          .isEqualTo("hello");
      assertThat(r.target.get()).isEqualTo("dns:///127.0.0.1:" + server.port());
      // The first call waits for the resolver; its attempt begins after that (gRFC A66).
      assertThat(r.client).containsExactly("call test.Echo/Unary", "resolution delayed",
          "attempt 0 transparent=false hedge=false", "stream", "out 0 5 5", "headers", "in 0 5 5", "attempt ended OK",
          "call ended OK");
      Await.until("the server call ends", WAIT, () -> r.server.contains("ended OK"));
      // What the client tracer added to the headers reached the server (trace propagation).
      assertThat(r.server).containsExactly("call test.Echo/Unary registered=true x-trace=t0",
          "in 0 5 5", "headers", "out 0 5 5", "ended OK");
      assertThat(r.connections).containsExactly("opened");

      r.client.clear();
      ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "again");
      assertThat(r.client).doesNotContain("resolution delayed").contains("out 0 5 5", "call ended OK");

      // The server going away closes the connection with its GOAWAY as the reason (gRFC A94).
      server.shutdown();
      Await.until("the connection closes", WAIT, () -> r.connections.size() == 2);
      assertThat(r.connections).containsExactly("opened", "closed GOAWAY NO_ERROR");
    }
  }

  @Test
  void aChannelThatShutsDownClosesItsConnectionsAsSubchannelShutdown() throws Exception {
    Recorder r = new Recorder();
    try (Server server = server(r, EchoService.definition())) {
      try (Channel channel = channel(r, server)) {
        ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "x");
      }
      Await.until("the connection closes", WAIT, () -> r.connections.size() == 2);
      assertThat(r.connections).containsExactly("opened", "closed subchannel shutdown");
    }
  }

  @Test
  void aFailedConnectionAttemptIsReportedAsFailed() throws Exception {
    Recorder r = new Recorder();
    int port;
    try (Server gone = Server.builder().bind("127.0.0.1", 0).build().start()) {
      port = gone.port();
    }
    try (Channel channel = Channel.forAddress("127.0.0.1", port).plaintext().tracer(r).build()) {
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "x"))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(r.connections).first().isEqualTo("failed UNAVAILABLE");
      assertThat(r.connections).doesNotContain("opened");
    }
  }

  @Test
  void compressedMessagesReportTheirWireSize() throws Exception {
    Recorder r = new Recorder();
    String text = "hello ".repeat(1000);
    try (Server server = server(r, EchoService.definition()); Channel channel = channel(r, server)) {
      ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT.withCompression("gzip"), text);
      String out = r.client.stream().filter(e -> e.startsWith("out ")).findFirst().orElseThrow();
      String[] f = out.split(" ");
      assertThat(Long.parseLong(f[2])).isEqualTo(6000);
      long wire = Long.parseLong(f[3]);
      assertThat(wire).isPositive().isLessThan(6000);
      Await.until("the server call ends", WAIT, () -> r.server.contains("ended OK"));
      // The server saw the same message: 6000 bytes inflated, the same compressed size on the wire.
      assertThat(r.server).contains("in 0 6000 " + wire);
    }
  }

  @Test
  void aRetriedCallIsOneCallOfSeveralAttempts() throws Exception {
    Recorder r = new Recorder();
    AtomicInteger attempts = new AtomicInteger();
    MethodDescriptor<String, String> flaky = RetryTest.FLAKY;
    ServiceDefinition service = ServiceDefinition.builder("test.Retry")
        .method(flaky, io.conduit.stub.ServerCalls.unary((req, out) -> {
          if (attempts.incrementAndGet() < 3) {
            throw Status.UNAVAILABLE.withDescription("not yet").asException();
          }
          out.onNext("ok");
          out.onCompleted();
        }))
        .build();
    try (Server server = server(r, service);
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().tracer(r)
            .defaultServiceConfig(RetryTest.RETRY_CONFIG).build()) {
      assertThat(ClientCalls.blockingUnary(channel, flaky, CallOptions.DEFAULT, "x")).isEqualTo("ok");
      assertThat(r.client).filteredOn(e -> e.startsWith("call") || e.startsWith("attempt"))
          .containsExactly("call test.Retry/Flaky",
              "attempt 0 transparent=false hedge=false", "attempt ended UNAVAILABLE",
              "attempt 1 transparent=false hedge=false", "attempt ended UNAVAILABLE",
              "attempt 2 transparent=false hedge=false", "attempt ended OK",
              "call ended OK");
      Await.until("three server calls end", WAIT,
          () -> r.server.stream().filter(e -> e.startsWith("ended")).count() == 3);
      // Each attempt carried its own trace header, not an accumulation of them.
      assertThat(r.server).filteredOn(e -> e.startsWith("call"))
          .containsExactly("call test.Retry/Flaky registered=true x-trace=t0",
              "call test.Retry/Flaky registered=true x-trace=t1",
              "call test.Retry/Flaky registered=true x-trace=t2");
    }
  }

  @Test
  void theHandlerRunsInTheContextItsTracerMade() throws Exception {
    Recorder r = new Recorder();
    MethodDescriptor<String, String> whoAmI = MethodDescriptor.of(MethodDescriptor.Type.UNARY,
        "test.Ctx/Span", EchoService.STRING, EchoService.STRING);
    ServiceDefinition service = ServiceDefinition.builder("test.Ctx")
        .method(whoAmI, io.conduit.stub.ServerCalls.unary((req, out) -> {
          out.onNext(SPAN.get() + (Context.current().deadline() != null ? " with deadline" : ""));
          out.onCompleted();
        }))
        .build();
    try (Server server = server(r, service); Channel channel = channel(r, server)) {
      // The tracer's value sits on top of the call's own context: the deadline is still there.
      assertThat(ClientCalls.blockingUnary(channel, whoAmI,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30)), "?"))
          .isEqualTo("span of test.Ctx/Span with deadline");
    }
  }

  @Test
  void aCallToAnUnknownMethodIsTracedAsUnregistered() throws Exception {
    Recorder r = new Recorder();
    MethodDescriptor<String, String> missing = MethodDescriptor.of(MethodDescriptor.Type.UNARY,
        "test.Echo/Missing", EchoService.STRING, EchoService.STRING);
    try (Server server = server(r, EchoService.definition()); Channel channel = channel(r, server)) {
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, missing, CallOptions.DEFAULT, "x"))
          .isInstanceOf(StatusException.class);
      assertThat(r.client).contains("attempt ended UNIMPLEMENTED", "call ended UNIMPLEMENTED");
      Await.until("the server call ends", WAIT, () -> r.server.size() == 2);
      assertThat(r.server).containsExactly("call test.Echo/Missing registered=false x-trace=t0",
          "ended UNIMPLEMENTED");
    }
  }

  @Test
  void aCallTheClientCancelsEndsCancelledOnBothSides() throws Exception {
    Recorder r = new Recorder();
    try (Server server = server(r, EchoService.definition()); Channel channel = channel(r, server)) {
      ClientCall<String, String> call = channel.newCall(EchoService.BIDI, CallOptions.DEFAULT);
      java.util.concurrent.CompletableFuture<Status> closed = new java.util.concurrent.CompletableFuture<>();
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(String message) {
          call.cancel("enough", null);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          closed.complete(status);
        }
      }, new Metadata());
      call.request(1);
      call.sendMessage("one");
      assertThat(closed.get(10, java.util.concurrent.TimeUnit.SECONDS).code()).isEqualTo(Status.Code.CANCELLED);
      assertThat(r.client).endsWith("attempt ended CANCELLED", "call ended CANCELLED");
      Await.until("the server hears the cancellation", WAIT, () -> r.server.contains("ended CANCELLED"));
    }
  }

  @Test
  void aThrowingTracerNeverFailsACall() throws Exception {
    ChannelTracer.Factory throwing = target -> new ChannelTracer() {
      @Override
      public ClientCallTracer newCallTracer(MethodDescriptor<?, ?> method, CallOptions options) {
        return info -> new ClientCallTracer.Attempt() {
          @Override
          public void outboundMessage(int seqNo, long size, long wireSize) {
            throw new IllegalStateException("tracer bug");
          }

          @Override
          public void attemptEnded(Status status, Metadata trailers) {
            throw new IllegalStateException("tracer bug");
          }
        };
      }
    };
    ServerCallTracer.Factory throwingServer = call -> new ServerCallTracer() {
      @Override
      public void inboundMessage(int seqNo, long size, long wireSize) {
        throw new IllegalStateException("tracer bug");
      }
    };
    Recorder r = new Recorder();
    try (Server server = Server.builder().bind("127.0.0.1", 0).tracer(throwingServer).tracer(r)
            .service(EchoService.definition()).build().start();
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext()
            .tracer(throwing).tracer(r).build()) {
      assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "fine"))
          .isEqualTo("fine");
      // The other tracers still hear everything.
      assertThat(r.client).contains("out 0 4 4", "call ended OK");
      Await.until("the server call ends", WAIT, () -> r.server.contains("ended OK"));
      assertThat(r.server).contains("in 0 4 4");
    }
  }

  @Test
  void globalConfiguratorsApplyToBuildersMadeAfterwards() throws Exception {
    Recorder r = new Recorder();
    List<String> seen = new ArrayList<>();
    Configurator tracing = new Configurator() {
      @Override
      public void configure(Channel.Builder builder) {
        seen.add("channel");
        builder.tracer(r);
      }

      @Override
      public void configure(Server.Builder builder) {
        seen.add("server");
        builder.tracer(r);
      }

      @Override
      public void built(Channel channel) {
        seen.add("built " + channel.authority());
      }

      @Override
      public void built(Server server) {
        seen.add("built server");
      }
    };
    Configurators.Registration reg = Configurators.registerGlobal(tracing);
    try {
      try (Server server = Server.builder().bind("127.0.0.1", 0).service(EchoService.definition())
              .build().start();
          Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
        ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "x");
        assertThat(r.client).contains("call ended OK");
        Await.until("the server call ends", WAIT, () -> r.server.contains("ended OK"));
      }
    } finally {
      reg.close();
    }
    // Each configurator hears of what the builders it configured built.
    assertThat(seen).hasSize(4);
    assertThat(seen.subList(0, 3)).containsExactly("server", "built server", "channel");
    assertThat(seen.get(3)).startsWith("built 127.0.0.1:");
    Channel.builder("localhost:1").build().close();
    assertThat(seen).hasSize(4);
  }
}
