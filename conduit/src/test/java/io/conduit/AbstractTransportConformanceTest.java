package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.conduit.stub.ClientCalls;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The call semantics every transport must provide, written against the public API only
 * ({@code io.conduit}, {@code io.conduit.stub}): a transport passes when a subclass that says how
 * to build a server and a channel to it passes. {@link NettyTransportConformanceTest} runs it over
 * HTTP/2 on loopback TCP.
 *
 * <p>To add a transport: subclass, implement {@link #newServerBuilder(String)} (a builder
 * listening on the transport under test, no services yet) and
 * {@link #newChannelBuilder(Server, String)} (a builder for a channel to that started server),
 * and override the capability hooks whose default does not fit ({@link #checkRemoteAddress},
 * {@link #compressesMessages()}). {@code InProcessTransportConformanceTest} is the second
 * example.
 *
 * <p>Rules for the tests here: no sleeping, only waiting on events with {@link #TIMEOUT_SECONDS};
 * no assertion on how much work fits in a time interval; every server and channel a test makes
 * goes through {@link #startServer} / {@link #newChannel} and is shut down and awaited after it.
 *
 * <p>Threading: the server-side call is driven either from its listener callbacks or from the
 * test thread, never both at once; the client-side call likewise.
 */
@Timeout(30)
public abstract class AbstractTransportConformanceTest {
  /** How long any single wait may take: generous, for a loaded 2-core machine. */
  protected static final long TIMEOUT_SECONDS = 10;

  protected static final String SERVICE = "conformance.Test";

  protected static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));

  private static final AtomicInteger SERVER_NAMES = new AtomicInteger();

  private final List<Server> servers = Collections.synchronizedList(new ArrayList<>());
  /** The name each server of this test was built with. */
  private final java.util.Map<Server, String> serverNames =
      Collections.synchronizedMap(new java.util.IdentityHashMap<>());
  private final List<Channel> channels = Collections.synchronizedList(new ArrayList<>());

  // ------------------------------------------------------------------ what a transport supplies

  /**
   * A server builder for the transport under test, with no services; it is started later.
   * {@code name} is unique in the JVM, for transports whose addresses are names (in-process);
   * others may ignore it (Netty listens on an ephemeral port).
   */
  protected abstract Server.Builder newServerBuilder(String name);

  /**
   * A channel builder whose target is {@code server}, started, built from
   * {@link #newServerBuilder(String)} with {@code name}.
   */
  protected abstract Channel.Builder newChannelBuilder(Server server, String name);

  /** Checks what {@link ServerCall#remoteAddress()} returns; by default only that there is one. */
  protected void checkRemoteAddress(SocketAddress remoteAddress) {
    assertThat(remoteAddress).isNotNull();
  }

  /**
   * Whether requested compression shows on the server as {@link ServerCall#isMessageCompressed()}.
   * A transport without a wire (in-process) may ignore compression; then only the messages
   * arriving intact is checked.
   */
  protected boolean compressesMessages() {
    return true;
  }

  // ------------------------------------------------------------------ set-up and clean-up

  @AfterEach
  final void shutDownEverything() throws InterruptedException {
    List<Channel> cs;
    List<Server> ss;
    synchronized (channels) {
      cs = List.copyOf(channels);
    }
    synchronized (servers) {
      ss = List.copyOf(servers);
    }
    cs.forEach(Channel::shutdownNow);
    ss.forEach(Server::shutdownNow);
    for (Channel c : cs) {
      assertThat(c.awaitTermination(Duration.ofSeconds(TIMEOUT_SECONDS)))
          .as("channel %s terminated", c).isTrue();
    }
    for (Server s : ss) {
      assertThat(s.awaitTermination(Duration.ofSeconds(TIMEOUT_SECONDS)))
          .as("server %s terminated", s).isTrue();
    }
  }

  protected final Server startServer(ServiceDefinition... services) {
    return startServer(b -> {}, services);
  }

  protected final Server startServer(Consumer<Server.Builder> configure, ServiceDefinition... services) {
    String name = getClass().getSimpleName() + "-" + SERVER_NAMES.incrementAndGet();
    Server.Builder b = newServerBuilder(name);
    for (ServiceDefinition s : services) {
      b.service(s);
    }
    configure.accept(b);
    Server server = b.build();
    servers.add(server);
    serverNames.put(server, name);
    return server.start();
  }

  protected final Channel newChannel(Server server) {
    return newChannel(server, b -> {});
  }

  protected final Channel newChannel(Server server, Consumer<Channel.Builder> configure) {
    String name = serverNames.get(server);
    assertThat(name).as("a server this test started").isNotNull();
    Channel.Builder b = newChannelBuilder(server, name);
    configure.accept(b);
    Channel channel = b.build();
    channels.add(channel);
    return channel;
  }

  protected static MethodDescriptor<String, String> method(MethodDescriptor.Type type, String name) {
    return MethodDescriptor.of(type, SERVICE + "/" + name, STRING, STRING);
  }

  protected static MethodDescriptor<byte[], byte[]> bytesMethod(MethodDescriptor.Type type, String name) {
    return MethodDescriptor.of(type, SERVICE + "/" + name, Marshaller.bytes(), Marshaller.bytes());
  }

  protected static <Q, R> ServiceDefinition service(MethodDescriptor<Q, R> m, ServerCallHandler<Q, R> handler) {
    return ServiceDefinition.builder(SERVICE).method(m, handler).build();
  }

  protected static <T> T await(CompletableFuture<T> future, String what) throws Exception {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out waiting for " + what, e);
    } catch (ExecutionException e) {
      throw new AssertionError(what + " failed", e.getCause());
    }
  }

  protected static void await(CountDownLatch latch, String what) throws InterruptedException {
    if (!latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      throw new AssertionError("timed out waiting for " + what);
    }
  }

  /** The status and trailers a call ended with. */
  protected record Closed(Status status, Metadata trailers) {}

  /** Records what a client call's listener sees, in order. */
  protected static class ClientRecorder<R> extends ClientCall.Listener<R> {
    final CompletableFuture<Metadata> headers = new CompletableFuture<>();
    final LinkedBlockingQueue<R> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Closed> closed = new CompletableFuture<>();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger readies = new AtomicInteger();

    @Override
    public void onHeaders(Metadata h) {
      events.add("headers");
      headers.complete(h);
    }

    @Override
    public void onMessage(R message) {
      events.add("message");
      messages.add(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      events.add("close");
      closed.complete(new Closed(status, trailers));
    }

    @Override
    public void onReady() {
      readies.incrementAndGet();
      ready();
    }

    /** Runs on every {@link #onReady()}; for subclasses. */
    void ready() {}

    Closed awaitClose() throws Exception {
      return await(closed, "the client call to close");
    }

    R nextMessage() throws InterruptedException {
      R m = messages.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("timed out waiting for a response message; events: " + events);
      }
      return m;
    }
  }

  /**
   * A server handler that records what its call sees; subclasses add behaviour through the
   * hooks, which run on the listener's thread in the call's context.
   */
  protected static class ServerRecorder<Q, R> implements ServerCallHandler<Q, R> {
    final int initialRequest;
    final CompletableFuture<ServerCall<Q, R>> call = new CompletableFuture<>();
    final CompletableFuture<Metadata> headers = new CompletableFuture<>();
    final CompletableFuture<Context> context = new CompletableFuture<>();
    final LinkedBlockingQueue<Q> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Void> halfClosed = new CompletableFuture<>();
    /** Completes on onCancel with what the call and the current context said then. */
    final CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
    final AtomicBoolean callCancelledInOnCancel = new AtomicBoolean();
    final CompletableFuture<Void> completed = new CompletableFuture<>();
    final AtomicInteger starts = new AtomicInteger();

    ServerRecorder(int initialRequest) {
      this.initialRequest = initialRequest;
    }

    @Override
    public ServerCall.Listener<Q> startCall(ServerCall<Q, R> serverCall, Metadata requestHeaders) {
      starts.incrementAndGet();
      headers.complete(requestHeaders);
      context.complete(Context.current());
      if (initialRequest > 0) {
        serverCall.request(initialRequest);
      }
      call.complete(serverCall);
      started(serverCall, requestHeaders);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(Q message) {
          messages.add(message);
          message(serverCall, message);
        }

        @Override
        public void onHalfClose() {
          halfClosed.complete(null);
          halfClose(serverCall);
        }

        @Override
        public void onCancel() {
          callCancelledInOnCancel.set(serverCall.isCancelled());
          cancelled.complete(Context.current().isCancelled());
        }

        @Override
        public void onComplete() {
          completed.complete(null);
        }

        @Override
        public void onReady() {
          ready(serverCall);
        }
      };
    }

    void started(ServerCall<Q, R> serverCall, Metadata requestHeaders) {}

    void message(ServerCall<Q, R> serverCall, Q message) {}

    void halfClose(ServerCall<Q, R> serverCall) {}

    void ready(ServerCall<Q, R> serverCall) {}

    ServerCall<Q, R> awaitCall() throws Exception {
      return await(call, "the server call to start");
    }

    Q nextMessage() throws InterruptedException {
      Q m = messages.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("timed out waiting for a request message on the server");
      }
      return m;
    }

    /** Waits for onCancel; returns whether the call's context was cancelled when it ran. */
    boolean awaitCancel() throws Exception {
      return await(cancelled, "the server call to see onCancel");
    }
  }

  /** Echoes each request, asking for the next one; closes OK after the client half-closes. */
  protected static class EchoRecorder<T> extends ServerRecorder<T, T> {
    EchoRecorder() {
      super(1);
    }

    @Override
    void message(ServerCall<T, T> serverCall, T message) {
      serverCall.sendMessage(message);
      serverCall.request(1);
    }

    @Override
    void halfClose(ServerCall<T, T> serverCall) {
      serverCall.close(Status.OK, new Metadata());
    }
  }

  protected static <Q, R> ClientCall<Q, R> start(CallFactory channel, MethodDescriptor<Q, R> m,
      CallOptions options, Metadata headers, ClientCall.Listener<R> listener) {
    ClientCall<Q, R> call = channel.newCall(m, options);
    call.start(listener, headers);
    return call;
  }

  private static String numbered(int i, String body) {
    return String.format("%06d:", i) + body;
  }

  private static int numberOf(String message) {
    return Integer.parseInt(message.substring(0, 6));
  }

  private static byte[] pattern(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 31 + seed + (i >>> 11));
    }
    return b;
  }

  /** Asserts the call ended with {@code code}; the message shows the whole status otherwise. */
  protected static Closed assertCode(Closed closed, Status.Code code) {
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(code);
    return closed;
  }

  private static StatusException statusOf(Throwable t) {
    assertThat(t).isInstanceOf(StatusException.class);
    return (StatusException) t;
  }

  // ================================================================== the four call types

  @Test
  void unaryCallDeliversHeadersMessageAndOkInOrder() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "Unary");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(2);
    call.sendMessage("hello");
    call.halfClose();

    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.OK);
    assertThat(client.messages).containsExactly("hello");
    assertThat(client.events).containsExactly("headers", "message", "close");
    assertThat(server.messages).containsExactly("hello");
    await(server.halfClosed, "server half-close");
    await(server.completed, "server onComplete");
    assertThat(server.cancelled).isNotDone();
  }

  @Test
  void unaryCallWithEmptyMessagesBothWays() throws Exception {
    MethodDescriptor<byte[], byte[]> m = bytesMethod(MethodDescriptor.Type.UNARY, "Empty");
    EchoRecorder<byte[]> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));

    assertThat(ClientCalls.blockingUnary(channel, m, CallOptions.DEFAULT, new byte[0])).isEmpty();
    assertThat(server.nextMessage()).isEmpty();
  }

  @Test
  void serverStreamingDeliversManyMessagesInOrderIncludingEmptyOnes() throws Exception {
    int count = 1000;
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.SERVER_STREAMING, "Many");
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        for (int i = 0; i < count; i++) {
          // Every tenth message is empty.
          serverCall.sendMessage(i % 10 == 0 ? "" : numbered(i, "payload"));
        }
        serverCall.close(Status.OK, new Metadata());
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    List<String> got = new ArrayList<>();
    try (var it = ClientCalls.blockingServerStreaming(channel, m, CallOptions.DEFAULT, "go")) {
      it.forEachRemaining(got::add);
    }
    assertThat(got).hasSize(count);
    for (int i = 0; i < count; i++) {
      assertThat(got.get(i)).isEqualTo(i % 10 == 0 ? "" : numbered(i, "payload"));
    }
  }

  @Test
  void serverStreamingWithNoResponsesEndsOk() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.SERVER_STREAMING, "None");
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.close(Status.OK, new Metadata().add("x-count", "0"));
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(1);
    call.sendMessage("go");
    call.halfClose();
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.OK);
    assertThat(closed.trailers().get("x-count")).isEqualTo("0");
    assertThat(client.messages).isEmpty();
  }

  @Test
  void clientStreamingDeliversManyMessagesInOrderIncludingEmptyOnes() throws Exception {
    int count = 1000;
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.CLIENT_STREAMING, "Collect");
    List<String> received = Collections.synchronizedList(new ArrayList<>());
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void message(ServerCall<String, String> serverCall, String message) {
        received.add(message);
        serverCall.request(1);
      }

      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.sendMessage(Integer.toString(received.size()));
        serverCall.close(Status.OK, new Metadata());
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(1);
    for (int i = 0; i < count; i++) {
      call.sendMessage(i % 10 == 0 ? "" : numbered(i, "payload"));
    }
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.OK);
    assertThat(client.messages).containsExactly(Integer.toString(count));
    for (int i = 0; i < count; i++) {
      assertThat(received.get(i)).isEqualTo(i % 10 == 0 ? "" : numbered(i, "payload"));
    }
  }

  @Test
  void bidiStreamingPingPong() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "PingPong");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    for (int i = 0; i < 200; i++) {
      String msg = i % 20 == 0 ? "" : "ping" + i;
      call.request(1);
      call.sendMessage(msg);
      assertThat(client.nextMessage()).isEqualTo(msg);
    }
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.OK);
    assertThat(client.messages).isEmpty();
  }

  @Test
  void bidiStreamingBothDirectionsAtOnce() throws Exception {
    int count = 1000;
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "Concurrent");
    // The server answers every request with two messages and ends only after the client has.
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void message(ServerCall<String, String> serverCall, String message) {
        serverCall.sendMessage(message);
        serverCall.sendMessage("");
        serverCall.request(1);
      }

      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.close(Status.OK, new Metadata());
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(2 * count);
    for (int i = 0; i < count; i++) {
      call.sendMessage(numbered(i, "x"));
    }
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.OK);
    List<String> got = new ArrayList<>(client.messages);
    assertThat(got).hasSize(2 * count);
    for (int i = 0; i < count; i++) {
      assertThat(got.get(2 * i)).isEqualTo(numbered(i, "x"));
      assertThat(got.get(2 * i + 1)).isEmpty();
    }
  }

  @Test
  void messagesGoThroughTheMarshallersAndAreNotShared() throws Exception {
    AtomicInteger writes = new AtomicInteger();
    AtomicInteger parses = new AtomicInteger();
    Marshaller<byte[]> counting = new Marshaller<>() {
      @Override
      public int serializedSize(byte[] value) {
        return value.length;
      }

      @Override
      public void write(byte[] value, java.nio.ByteBuffer target) {
        writes.incrementAndGet();
        target.put(value);
      }

      @Override
      public byte[] parse(java.nio.ByteBuffer source) {
        parses.incrementAndGet();
        byte[] b = new byte[source.remaining()];
        source.get(b);
        return b;
      }
    };
    MethodDescriptor<byte[], byte[]> m = MethodDescriptor.of(MethodDescriptor.Type.BIDI_STREAMING,
        SERVICE + "/Marshalled", counting, counting);
    MethodDescriptor<String, String> warm = method(MethodDescriptor.Type.UNARY, "Warm");
    EchoRecorder<byte[]> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(ServiceDefinition.builder(SERVICE)
        .method(m, server).method(warm, new EchoRecorder<>()).build()));
    // A connected channel: a call that waits for the name resolver keeps the message objects
    // until then (the channel's doing, not the transport's), and serializes them only later.
    ClientCalls.blockingUnary(channel, warm, CallOptions.DEFAULT, "warm");

    ClientRecorder<byte[]> client = new ClientRecorder<>();
    ClientCall<byte[], byte[]> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(3);
    byte[] sent = {1, 2, 3};
    for (int i = 0; i < 3; i++) {
      call.sendMessage(sent);
      // Changing the array after sending must not change the message.
      sent[0]++;
    }
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.OK);
    List<byte[]> got = new ArrayList<>(client.messages);
    assertThat(got).hasSize(3);
    List<byte[]> received = new ArrayList<>(server.messages);
    for (int i = 0; i < 3; i++) {
      assertThat(received.get(i)).containsExactly(1 + i, 2, 3).isNotSameAs(sent);
      assertThat(got.get(i)).containsExactly(1 + i, 2, 3).isNotSameAs(received.get(i));
    }
    // Each message serialized once per direction, and parsed once per direction.
    assertThat(writes.get()).isEqualTo(6);
    assertThat(parses.get()).isEqualTo(6);
  }

  @Test
  void manyConcurrentCallsOnOneChannel() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "Concurrent");
    Channel channel = newChannel(startServer(service(m, new EchoRecorder<>())));
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      calls.add(ClientCalls.futureUnary(channel, m, CallOptions.DEFAULT, "call" + i));
    }
    for (int i = 0; i < 50; i++) {
      assertThat(await(calls.get(i), "call " + i)).isEqualTo("call" + i);
    }
  }

  @Test
  void serverCallKnowsItsMethodAuthorityAndPeer() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "Who");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));
    assertThat(ClientCalls.blockingUnary(channel, m, CallOptions.DEFAULT, "x")).isEqualTo("x");
    ServerCall<String, String> call = server.awaitCall();
    assertThat(call.method().fullMethodName()).isEqualTo(m.fullMethodName());
    assertThat(call.method().type()).isEqualTo(MethodDescriptor.Type.UNARY);
    assertThat(call.authority()).isEqualTo(channel.authority());
    checkRemoteAddress(call.remoteAddress());
  }

  // ================================================================== deadlines

  @Test
  void clientDeadlineReachesTheServerCallAndItsContext() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "Deadline");
    EchoRecorder<String> withDeadline = new EchoRecorder<>();
    EchoRecorder<String> withoutDeadline = new EchoRecorder<>();
    MethodDescriptor<String, String> m2 = method(MethodDescriptor.Type.UNARY, "NoDeadline");
    Channel channel = newChannel(startServer(ServiceDefinition.builder(SERVICE)
        .method(m, withDeadline).method(m2, withoutDeadline).build()));

    ClientCalls.blockingUnary(channel, m, CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)), "x");
    Deadline serverDeadline = withDeadline.awaitCall().deadline();
    assertThat(serverDeadline).isNotNull();
    assertThat(serverDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(5_000L, 20_000L);
    Deadline contextDeadline = await(withDeadline.context, "server context").deadline();
    assertThat(contextDeadline).isNotNull();
    assertThat(contextDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(5_000L, 20_000L);

    ClientCalls.blockingUnary(channel, m2, CallOptions.DEFAULT, "x");
    assertThat(withoutDeadline.awaitCall().deadline()).isNull();
    assertThat(await(withoutDeadline.context, "server context").deadline()).isNull();
  }

  @Test
  void theCallersContextDeadlineReachesTheServer() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "ContextDeadline");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));
    try (Context.CancellableContext ctx = Context.current().withDeadline(Deadline.after(Duration.ofSeconds(20)))) {
      assertThat(ctx.call(() -> ClientCalls.blockingUnary(channel, m, CallOptions.DEFAULT, "x"))).isEqualTo("x");
    }
    Deadline serverDeadline = server.awaitCall().deadline();
    assertThat(serverDeadline).isNotNull();
    assertThat(serverDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(5_000L, 20_000L);
  }

  @Test
  void expiredDeadlineFailsTheClientAndCancelsTheServer() throws Exception {
    MethodDescriptor<String, String> warm = method(MethodDescriptor.Type.UNARY, "Warm");
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.SERVER_STREAMING, "Hang");
    // Sends one message, then never finishes.
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.sendMessage("first");
      }
    };
    Channel channel = newChannel(startServer(ServiceDefinition.builder(SERVICE)
        .method(warm, new EchoRecorder<>()).method(m, server).build()));
    // A connection first, so the call reaches the server well before its deadline.
    ClientCalls.blockingUnary(channel, warm, CallOptions.DEFAULT, "warm");

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m,
        CallOptions.DEFAULT.withTimeout(Duration.ofMillis(500)), new Metadata(), client);
    call.request(5);
    call.sendMessage("go");
    call.halfClose();

    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(client.messages).containsExactly("first");
    assertThat(server.awaitCancel()).as("server context cancelled in onCancel").isTrue();
    assertThat(server.callCancelledInOnCancel).isTrue();
    ServerCall<String, String> serverCall = server.awaitCall();
    assertThat(serverCall.isCancelled()).isTrue();
    assertThat(serverCall.deadline()).isNotNull();
    assertThat(serverCall.deadline().timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(500L);
    assertThat(await(server.context, "server context").isCancelled()).isTrue();
    assertThat(server.completed).isNotDone();
  }

  @Test
  void deadlineAlreadyExpiredFailsWithoutResponse() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "Late");
    Channel channel = newChannel(startServer(service(m, new EchoRecorder<>())));
    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m,
        CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofSeconds(-1))), new Metadata(), client);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.DEADLINE_EXCEEDED);
    assertThat(client.events).containsExactly("close");
  }

  // ================================================================== cancellation

  @Test
  void clientCancellationReachesTheServerHandlerAndContext() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "Cancel");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(10);
    call.sendMessage("one");
    assertThat(client.nextMessage()).isEqualTo("one");
    call.cancel("the client gave up", new IllegalStateException("local reason"));

    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.CANCELLED);
    assertThat(closed.status().description()).contains("the client gave up");
    assertThat(server.awaitCancel()).as("server context cancelled in onCancel").isTrue();
    assertThat(server.callCancelledInOnCancel).isTrue();
    Context serverContext = await(server.context, "server context");
    assertThat(serverContext.isCancelled()).isTrue();
    assertThat(server.completed).isNotDone();
    // Sending on a cancelled call is a no-op, not an error, on both sides.
    server.awaitCall().sendMessage("ignored");
    call.sendMessage("ignored");
  }

  @Test
  void cancellingTheCallersContextCancelsTheCallOnBothSides() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "ContextCancel");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    ClientCall<String, String> call = ctx.call(
        () -> start(channel, m, CallOptions.DEFAULT, new Metadata(), client));
    call.request(10);
    call.sendMessage("one");
    assertThat(client.nextMessage()).isEqualTo("one");
    ctx.cancel(new IllegalStateException("caller gave up"));

    assertCode(client.awaitClose(), Status.Code.CANCELLED);
    assertThat(server.awaitCancel()).as("server context cancelled in onCancel").isTrue();
  }

  @Test
  void clientCancellationBeforeAnyResponseEndsBothSides() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "CancelEarly");
    ServerRecorder<String, String> server = new ServerRecorder<>(1);
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    await(server.halfClosed, "the request to reach the server");
    call.cancel("stop", null);
    assertCode(client.awaitClose(), Status.Code.CANCELLED);
    assertThat(client.events).containsExactly("close");
    assertThat(server.awaitCancel()).isTrue();
  }

  @Test
  void serverClosingWithCancelledMidStreamReachesTheClient() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.SERVER_STREAMING, "ServerCancel");
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.sendMessage("a");
        serverCall.sendMessage("b");
        serverCall.close(Status.CANCELLED.withDescription("the server gave up"),
            new Metadata().add("x-why", "tired"));
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(10);
    call.sendMessage("go");
    call.halfClose();
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.CANCELLED);
    assertThat(closed.status().description()).isEqualTo("the server gave up");
    assertThat(closed.trailers().get("x-why")).isEqualTo("tired");
    assertThat(client.messages).containsExactly("a", "b");
    assertThat(client.events).containsExactly("headers", "message", "message", "close");
  }

  @Test
  void serverEndingACallWhileTheClientStillSendsReachesTheClient() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.CLIENT_STREAMING, "EarlyEnd");
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void message(ServerCall<String, String> serverCall, String message) {
        serverCall.close(Status.ABORTED.withDescription("enough after " + message), new Metadata());
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(1);
    call.sendMessage("first");
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.ABORTED);
    assertThat(closed.status().description()).isEqualTo("enough after first");
    // The client may go on sending and half-close: both are no-ops now, not errors.
    for (int i = 0; i < 10; i++) {
      call.sendMessage("more" + i);
    }
    call.halfClose();
    await(server.completed, "server onComplete");
    assertThat(server.messages).containsExactly("first");
  }

  @Test
  void serverContextIsCancelledOnceTheCallCompletes() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "ContextEnd");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));
    assertThat(ClientCalls.blockingUnary(channel, m, CallOptions.DEFAULT, "x")).isEqualTo("x");
    Context ctx = await(server.context, "server context");
    CountDownLatch cancelled = new CountDownLatch(1);
    ctx.addListener(cancelled::countDown);
    await(cancelled, "the server context to be cancelled after the call completed");
    await(server.completed, "server onComplete");
    assertThat(server.cancelled).isNotDone();
  }

  // ================================================================== metadata

  @Test
  void requestMetadataReachesTheServer() throws Exception {
    byte[] bin1 = {0, 1, 2, (byte) 0x7F, (byte) 0x80, (byte) 0xFE, (byte) 0xFF};
    byte[] bin2 = {};
    byte[] bin3 = pattern(300, 7);
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "Metadata");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));

    Metadata headers = new Metadata()
        .add("x-ascii", "hello world")
        .add("x-multi", "one")
        .addBinary("x-data-bin", bin1)
        .add("x-multi", "two")
        .addBinary("x-data-bin", bin2)
        .addBinary("x-data-bin", bin3)
        .add("X-Upper-Case", "v")
        .add("x-printable", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ trailing space ");
    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, headers, client);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.OK);

    Metadata seen = await(server.headers, "server headers");
    assertThat(seen.get("x-ascii")).isEqualTo("hello world");
    assertThat(seen.getAll("x-multi")).containsExactly("one", "two");
    assertThat(seen.getAllBinary("x-data-bin")).containsExactly(bin1, bin2, bin3);
    assertThat(seen.get("x-upper-case")).isEqualTo("v");
    assertThat(seen.get("x-printable")).isEqualTo("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ trailing space ");
    assertThat(seen.keys()).containsExactlyInAnyOrder(
        "x-ascii", "x-multi", "x-data-bin", "x-upper-case", "x-printable");
  }

  /**
   * gRPC allows any printable ASCII in a value, spaces included (the spec's ASCII-Value is
   * {@code 1*(%x20-%x7E)}), and {@link Metadata#add} accepts a leading space.
   *
   * <p>Found by this suite: Netty's HPACK decoders checked header values and refused a value
   * that starts with SP or HTAB, resetting the stream. Both ends now check names only.
   */
  @Test
  void metadataValuesWithALeadingSpaceArriveIntact() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "LeadingSpace");
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.sendHeaders(new Metadata().add("x-head", " leading"));
        serverCall.sendMessage("reply");
        serverCall.close(Status.OK, new Metadata().add("x-tail", " leading"));
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));
    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT,
        new Metadata().add("x-request", " leading"), client);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    Closed closed = assertCode(client.awaitClose(), Status.Code.OK);
    assertThat(await(server.headers, "server headers").get("x-request")).isEqualTo(" leading");
    assertThat(await(client.headers, "response headers").get("x-head")).isEqualTo(" leading");
    assertThat(closed.trailers().get("x-tail")).isEqualTo(" leading");
  }

  @Test
  void responseHeadersAndTrailersReachTheClient() throws Exception {
    byte[] bin = {(byte) 0xFF, 0, (byte) 0x80};
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "ResponseMetadata");
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.sendHeaders(new Metadata().add("x-head", "h1").add("x-head", "h2")
            .addBinary("x-head-bin", bin));
        serverCall.sendMessage("reply");
        serverCall.close(Status.OK, new Metadata().add("x-tail", "t1").add("x-tail", "t2")
            .addBinary("x-tail-bin", bin));
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.OK);
    Metadata headers = await(client.headers, "response headers");
    assertThat(headers.getAll("x-head")).containsExactly("h1", "h2");
    assertThat(headers.getBinary("x-head-bin")).isEqualTo(bin);
    assertThat(headers.keys()).containsExactlyInAnyOrder("x-head", "x-head-bin");
    assertThat(closed.trailers().getAll("x-tail")).containsExactly("t1", "t2");
    assertThat(closed.trailers().getBinary("x-tail-bin")).isEqualTo(bin);
    assertThat(closed.trailers().keys()).containsExactlyInAnyOrder("x-tail", "x-tail-bin");
    assertThat(client.events).containsExactly("headers", "message", "close");
  }

  @Test
  void metadataTheTransportOwnsIsNotVisibleToTheApplication() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "Owned");
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.setCompression("gzip");
        serverCall.sendHeaders(new Metadata().add("x-head", "h"));
        serverCall.sendMessage("reply");
        serverCall.close(Status.OK.withDescription("fine"), new Metadata().add("x-tail", "t"));
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    // A deadline, compression and a user agent: each puts a header the transport owns on the wire.
    ClientCall<String, String> call = start(channel, m,
        CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)).withCompression("gzip"),
        new Metadata().add("x-app", "a"), client);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.OK);
    assertThat(client.messages).containsExactly("reply");

    assertThat(await(server.headers, "server headers").keys()).containsExactly("x-app");
    assertThat(await(client.headers, "response headers").keys()).containsExactly("x-head");
    assertThat(closed.trailers().keys()).containsExactly("x-tail");
  }

  // ================================================================== status

  @Test
  void errorBeforeAnyResponseIsTrailersOnly() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.SERVER_STREAMING, "TrailersOnly");
    ServerRecorder<String, String> server = new ServerRecorder<>(0) {
      @Override
      void started(ServerCall<String, String> serverCall, Metadata requestHeaders) {
        serverCall.close(Status.NOT_FOUND.withDescription("no such thing"),
            new Metadata().add("x-why", "missing").addBinary("x-detail-bin", new byte[] {1, 2, 3}));
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(closed.status().description()).isEqualTo("no such thing");
    assertThat(closed.trailers().get("x-why")).isEqualTo("missing");
    assertThat(closed.trailers().getBinary("x-detail-bin")).containsExactly(1, 2, 3);
    assertThat(closed.trailers().keys()).containsExactlyInAnyOrder("x-why", "x-detail-bin");
    assertThat(client.events).containsExactly("close");
    assertThat(client.headers).isNotDone();
  }

  @Test
  void statusCodeAndDescriptionRoundTripButNotTheCause() throws Exception {
    String description = "100% sure: %41 is not A; caf\u00e9 \u263A \uD83D\uDE08\ttab\r\nnew line %";
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "Status");
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void message(ServerCall<String, String> serverCall, String message) {
        Status.Code code = Status.Code.valueOf(message);
        serverCall.close(code.toStatus().withDescription(code + ": " + description)
            .withCause(new IllegalStateException("server-side cause")), new Metadata());
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    for (Status.Code code : Status.Code.values()) {
      if (code == Status.Code.OK) {
        continue;
      }
      Throwable thrown = null;
      try {
        ClientCalls.blockingUnary(channel, m, CallOptions.DEFAULT, code.name());
      } catch (StatusException e) {
        thrown = e;
      }
      StatusException e = statusOf(thrown);
      assertThat(e.status().code()).isEqualTo(code);
      assertThat(e.status().description()).isEqualTo(code + ": " + description);
      assertThat(e.status().cause()).as("the cause stays on the server").isNull();
    }
  }

  @Test
  void handlerThrowingInStartCallIsUnknown() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "ThrowOnStart");
    ServerCallHandler<String, String> handler = (call, headers) -> {
      throw new IllegalStateException("secret internals");
    };
    Channel channel = newChannel(startServer(service(m, handler)));
    assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, m, CallOptions.DEFAULT, "x"))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.status().code()).isEqualTo(Status.Code.UNKNOWN);
          assertThat(String.valueOf(e.status().description())).doesNotContain("secret internals");
        });
  }

  @Test
  void handlerThrowingInAListenerIsUnknownAndCancelsTheCall() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "ThrowOnMessage");
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void message(ServerCall<String, String> serverCall, String message) {
        serverCall.sendMessage("before");
        throw new IllegalStateException("secret internals");
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(5);
    call.sendMessage("x");
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(String.valueOf(closed.status().description())).doesNotContain("secret internals");
    Context ctx = await(server.context, "server context");
    CountDownLatch cancelled = new CountDownLatch(1);
    ctx.addListener(cancelled::countDown);
    await(cancelled, "the server context to be cancelled");
  }

  @Test
  void handlerThrowingAStatusExceptionSendsItsStatus() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "ThrowStatus");
    ServerCallHandler<String, String> handler = (call, headers) -> {
      throw Status.PERMISSION_DENIED.withDescription("not you").asException(new Metadata().add("x-who", "me"));
    };
    Channel channel = newChannel(startServer(service(m, handler)));
    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(closed.status().description()).isEqualTo("not you");
  }

  /**
   * A handler or interceptor that throws {@code status.asException(trailers)} (an authentication
   * interceptor refusing a call, say) means those trailers, as {@code ServerCalls} already does
   * for stub handlers and as grpc-java does for any handler.
   *
   * <p>Found by this suite: the trailers used to be dropped.
   */
  @Test
  void handlerThrowingAStatusExceptionSendsItsTrailers() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "ThrowTrailers");
    ServerCallHandler<String, String> handler = (call, headers) -> {
      throw Status.UNAUTHENTICATED.withDescription("who are you")
          .asException(new Metadata().add("x-realm", "conformance").addBinary("x-detail-bin", new byte[] {7}));
    };
    Channel channel = newChannel(startServer(service(m, handler)));
    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    Closed closed = assertCode(client.awaitClose(), Status.Code.UNAUTHENTICATED);
    assertThat(closed.trailers().get("x-realm")).isEqualTo("conformance");
    assertThat(closed.trailers().getBinary("x-detail-bin")).containsExactly(7);
    assertThat(client.events).containsExactly("close");
  }

  @Test
  void unknownMethodOrServiceIsUnimplemented() throws Exception {
    MethodDescriptor<String, String> known = method(MethodDescriptor.Type.UNARY, "Known");
    Channel channel = newChannel(startServer(service(known, new EchoRecorder<>())));
    List<MethodDescriptor<String, String>> missing = List.of(
        method(MethodDescriptor.Type.UNARY, "Missing"),
        MethodDescriptor.of(MethodDescriptor.Type.UNARY, "conformance.Nope/Known", STRING, STRING),
        method(MethodDescriptor.Type.BIDI_STREAMING, "MissingStream"));
    for (MethodDescriptor<String, String> m : missing) {
      ClientRecorder<String> client = new ClientRecorder<>();
      ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
      call.request(1);
      call.sendMessage("x");
      Closed closed = client.awaitClose();
      assertThat(closed.status().code()).as("%s: status %s", m.fullMethodName(), closed.status()).isEqualTo(Status.Code.UNIMPLEMENTED);
      assertThat(closed.status().description()).as(m.fullMethodName()).contains(m.fullMethodName());
      assertThat(client.messages).isEmpty();
    }
    assertThat(ClientCalls.blockingUnary(channel, known, CallOptions.DEFAULT, "still fine"))
        .isEqualTo("still fine");
  }

  // ================================================================== large messages

  @Test
  void messagesOfExactlyTheDefaultLimitPassBothWays() throws Exception {
    assertLargeRoundTrip(4 * 1024 * 1024, b -> {}, b -> {});
  }

  @Test
  void sixteenMegabyteMessagesPassBothWaysWithRaisedLimits() throws Exception {
    int size = 16 * 1024 * 1024;
    assertLargeRoundTrip(size, b -> b.maxInboundMessageSize(size), b -> b.maxInboundMessageSize(size));
  }

  private void assertLargeRoundTrip(int size, Consumer<Server.Builder> server,
      Consumer<Channel.Builder> channelConfig) throws Exception {
    MethodDescriptor<byte[], byte[]> m = bytesMethod(MethodDescriptor.Type.UNARY, "Large");
    byte[] request = pattern(size, 1);
    byte[] response = pattern(size, 2);
    AtomicReference<byte[]> received = new AtomicReference<>();
    ServerRecorder<byte[], byte[]> handler = new ServerRecorder<>(1) {
      @Override
      void message(ServerCall<byte[], byte[]> serverCall, byte[] message) {
        received.set(message);
      }

      @Override
      void halfClose(ServerCall<byte[], byte[]> serverCall) {
        serverCall.sendMessage(response);
        serverCall.close(Status.OK, new Metadata());
      }
    };
    Channel channel = newChannel(startServer(server, service(m, handler)), channelConfig);
    byte[] reply = ClientCalls.blockingUnary(channel, m, CallOptions.DEFAULT, request);
    assertThat(reply.length).isEqualTo(size);
    assertThat(Arrays.mismatch(reply, response)).as("first differing byte of the response").isEqualTo(-1);
    assertThat(received.get().length).isEqualTo(size);
    assertThat(Arrays.mismatch(received.get(), request)).as("first differing byte of the request").isEqualTo(-1);
  }

  // ================================================================== max message size

  @Test
  void serverRejectsARequestOverItsInboundLimit() throws Exception {
    int limit = 1024;
    MethodDescriptor<byte[], byte[]> m = bytesMethod(MethodDescriptor.Type.CLIENT_STREAMING, "TooBigIn");
    ServerRecorder<byte[], byte[]> server = new ServerRecorder<>(5) {
      @Override
      void halfClose(ServerCall<byte[], byte[]> serverCall) {
        serverCall.sendMessage(new byte[] {(byte) messages.size()});
        serverCall.close(Status.OK, new Metadata());
      }
    };
    Channel channel = newChannel(startServer(b -> b.maxInboundMessageSize(limit), service(m, server)));

    // At the limit: fine.
    ClientRecorder<byte[]> ok = new ClientRecorder<>();
    ClientCall<byte[], byte[]> okCall = start(channel, m, CallOptions.DEFAULT, new Metadata(), ok);
    okCall.request(1);
    okCall.sendMessage(new byte[limit]);
    okCall.halfClose();
    assertCode(ok.awaitClose(), Status.Code.OK);
    assertThat(ok.messages).hasSize(1);

    // One byte over: the server refuses it, the client hears RESOURCE_EXHAUSTED.
    ServerRecorder<byte[], byte[]> rejecting = new ServerRecorder<>(5);
    MethodDescriptor<byte[], byte[]> m2 = bytesMethod(MethodDescriptor.Type.CLIENT_STREAMING, "TooBigIn2");
    Channel channel2 = newChannel(startServer(b -> b.maxInboundMessageSize(limit), service(m2, rejecting)));
    ClientRecorder<byte[]> client = new ClientRecorder<>();
    ClientCall<byte[], byte[]> call = start(channel2, m2, CallOptions.DEFAULT, new Metadata(), client);
    call.request(1);
    call.sendMessage(new byte[limit + 1]);
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    // The handler never sees the message; its call ends as cancelled.
    assertThat(rejecting.awaitCancel()).isTrue();
    assertThat(rejecting.messages).isEmpty();
  }

  @Test
  void clientRejectsAResponseOverItsInboundLimit() throws Exception {
    int limit = 1024;
    MethodDescriptor<byte[], byte[]> m = bytesMethod(MethodDescriptor.Type.SERVER_STREAMING, "TooBigOut");
    ServerRecorder<byte[], byte[]> server = new ServerRecorder<>(1) {
      @Override
      void message(ServerCall<byte[], byte[]> serverCall, byte[] message) {
        serverCall.sendMessage(new byte[limit]);
        serverCall.sendMessage(new byte[message[0] == 0 ? limit : limit + 1]);
      }

      @Override
      void halfClose(ServerCall<byte[], byte[]> serverCall) {
        serverCall.close(Status.OK, new Metadata());
      }
    };
    Channel channel = newChannel(startServer(service(m, server)), b -> b.maxInboundMessageSize(limit));

    // At the limit: fine.
    ClientRecorder<byte[]> ok = new ClientRecorder<>();
    ClientCall<byte[], byte[]> okCall = start(channel, m, CallOptions.DEFAULT, new Metadata(), ok);
    okCall.request(5);
    okCall.sendMessage(new byte[] {0});
    okCall.halfClose();
    assertCode(ok.awaitClose(), Status.Code.OK);
    assertThat(ok.messages).hasSize(2);

    // A larger per-call limit lets a larger message through.
    ClientRecorder<byte[]> raised = new ClientRecorder<>();
    ClientCall<byte[], byte[]> raisedCall = start(channel, m,
        CallOptions.DEFAULT.withMaxInboundMessageSize(limit + 1), new Metadata(), raised);
    raisedCall.request(5);
    raisedCall.sendMessage(new byte[] {1});
    raisedCall.halfClose();
    assertCode(raised.awaitClose(), Status.Code.OK);
    assertThat(raised.messages).hasSize(2);

    // One byte over: the client refuses it and cancels the server's call.
    ServerRecorder<byte[], byte[]> sending = new ServerRecorder<>(1) {
      @Override
      void message(ServerCall<byte[], byte[]> serverCall, byte[] message) {
        serverCall.sendMessage(new byte[limit]);
        serverCall.sendMessage(new byte[limit + 1]);
      }
    };
    MethodDescriptor<byte[], byte[]> m2 = bytesMethod(MethodDescriptor.Type.SERVER_STREAMING, "TooBigOut2");
    Channel channel2 = newChannel(startServer(service(m2, sending)), b -> b.maxInboundMessageSize(limit));
    ClientRecorder<byte[]> client = new ClientRecorder<>();
    ClientCall<byte[], byte[]> call = start(channel2, m2, CallOptions.DEFAULT, new Metadata(), client);
    call.request(5);
    call.sendMessage(new byte[] {1});
    call.halfClose();
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(client.messages).hasSize(1);
    assertThat(sending.awaitCancel()).isTrue();
  }

  @Test
  void clientRefusesToSendARequestOverItsOutboundLimit() throws Exception {
    MethodDescriptor<byte[], byte[]> m = bytesMethod(MethodDescriptor.Type.UNARY, "TooBigToSend");
    ServerRecorder<byte[], byte[]> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));
    ClientRecorder<byte[]> client = new ClientRecorder<>();
    ClientCall<byte[], byte[]> call = start(channel, m,
        CallOptions.DEFAULT.withMaxOutboundMessageSize(100), new Metadata(), client);
    call.request(1);
    call.sendMessage(new byte[101]);
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.RESOURCE_EXHAUSTED);
    assertThat(server.messages).isEmpty();
  }

  // ================================================================== flow control

  @Test
  void serverStreamingToAClientThatDoesNotReadStallsUntilItDoes() throws Exception {
    int total = 2048;
    String body = "s".repeat(16 * 1024);
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.SERVER_STREAMING, "Flood");
    CountDownLatch stalled = new CountDownLatch(1);
    AtomicInteger sentAtStall = new AtomicInteger(-1);
    AtomicInteger readiesAfterStall = new AtomicInteger();
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      int sent;
      boolean closed;

      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        pump(serverCall);
      }

      @Override
      void ready(ServerCall<String, String> serverCall) {
        if (stalled.getCount() == 0) {
          readiesAfterStall.incrementAndGet();
        }
        pump(serverCall);
      }

      // Listener callbacks never run concurrently, so the fields need no lock.
      private void pump(ServerCall<String, String> serverCall) {
        if (!halfClosed.isDone() || closed) {
          return;
        }
        while (sent < total) {
          if (!serverCall.isReady()) {
            if (stalled.getCount() > 0) {
              sentAtStall.set(sent);
              stalled.countDown();
            }
            return;
          }
          serverCall.sendMessage(numbered(sent++, body));
        }
        closed = true;
        serverCall.close(Status.OK, new Metadata());
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.sendMessage("go");
    call.halfClose();
    await(stalled, "the server to see isReady() false while the client reads nothing");
    assertThat(sentAtStall.get()).isBetween(1, total - 1);
    assertThat(client.messages).isEmpty();
    assertThat(client.closed).isNotDone();

    call.request(total);
    assertCode(client.awaitClose(), Status.Code.OK);
    assertThat(readiesAfterStall.get()).as("onReady calls after the stall").isPositive();
    List<String> got = new ArrayList<>(client.messages);
    assertThat(got).hasSize(total);
    for (int i = 0; i < total; i++) {
      assertThat(numberOf(got.get(i))).isEqualTo(i);
      assertThat(got.get(i)).hasSize(7 + body.length());
    }
  }

  @Test
  void clientStreamingToAServerThatDoesNotReadStallsUntilItDoes() throws Exception {
    int total = 2048;
    String body = "c".repeat(16 * 1024);
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.CLIENT_STREAMING, "Upload");
    ServerRecorder<String, String> server = new ServerRecorder<>(0) {
      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.sendMessage(Integer.toString(messages.size()));
        serverCall.close(Status.OK, new Metadata());
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));

    CountDownLatch stalled = new CountDownLatch(1);
    AtomicInteger sentAtStall = new AtomicInteger(-1);
    AtomicInteger readiesAfterStall = new AtomicInteger();
    AtomicReference<ClientCall<String, String>> callRef = new AtomicReference<>();
    ClientRecorder<String> client = new ClientRecorder<>() {
      int sent;
      boolean done;

      // Listener callbacks never run concurrently, so the fields need no lock.
      @Override
      void ready() {
        if (stalled.getCount() == 0) {
          readiesAfterStall.incrementAndGet();
        }
        ClientCall<String, String> c = callRef.get();
        if (done) {
          return;
        }
        while (sent < total) {
          if (!c.isReady()) {
            if (sent > 0 && stalled.getCount() > 0) {
              sentAtStall.set(sent);
              stalled.countDown();
            }
            return;
          }
          c.sendMessage(numbered(sent++, body));
        }
        done = true;
        c.halfClose();
      }
    };
    ClientCall<String, String> call = channel.newCall(m, CallOptions.DEFAULT);
    callRef.set(call);
    call.start(client, new Metadata());
    call.request(1);

    await(stalled, "the client to see isReady() false while the server reads nothing");
    assertThat(sentAtStall.get()).isBetween(1, total - 1);
    ServerCall<String, String> serverCall = server.awaitCall();
    assertThat(server.messages).isEmpty();

    serverCall.request(total);
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.OK);
    assertThat(client.messages).containsExactly(Integer.toString(total));
    assertThat(readiesAfterStall.get()).as("onReady calls after the stall").isPositive();
    List<String> got = new ArrayList<>(server.messages);
    assertThat(got).hasSize(total);
    for (int i = 0; i < total; i++) {
      assertThat(numberOf(got.get(i))).isEqualTo(i);
      assertThat(got.get(i)).hasSize(7 + body.length());
    }
  }

  // ================================================================== compression

  @Test
  void compressionRequestedByTheClientKeepsMessagesIntact() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "ZipIn");
    List<Boolean> compressed = Collections.synchronizedList(new ArrayList<>());
    ServerRecorder<String, String> server = new EchoRecorder<>() {
      @Override
      void message(ServerCall<String, String> serverCall, String message) {
        compressed.add(serverCall.isMessageCompressed());
        super.message(serverCall, message);
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));
    List<String> sent = List.of("z".repeat(100_000), "", "short", numbered(3, "y".repeat(70_000)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m,
        CallOptions.DEFAULT.withCompression("gzip"), new Metadata(), client);
    call.request(sent.size());
    sent.forEach(call::sendMessage);
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.OK);
    assertThat(client.messages).containsExactlyElementsOf(sent);
    assertThat(server.messages).containsExactlyElementsOf(sent);
    if (compressesMessages()) {
      assertThat(compressed.get(0)).as("the first request arrived compressed").isTrue();
    }
  }

  @Test
  void compressionChosenByTheServerKeepsMessagesIntact() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.SERVER_STREAMING, "ZipOut");
    List<String> replies = List.of("r".repeat(200_000), "", "tiny", "q".repeat(5_000));
    ServerRecorder<String, String> server = new ServerRecorder<>(1) {
      @Override
      void halfClose(ServerCall<String, String> serverCall) {
        serverCall.setCompression("gzip");
        replies.forEach(serverCall::sendMessage);
        serverCall.setMessageCompression(false);
        serverCall.sendMessage("uncompressed");
        serverCall.close(Status.OK, new Metadata());
      }
    };
    Channel channel = newChannel(startServer(service(m, server)));
    List<String> got = new ArrayList<>();
    try (var it = ClientCalls.blockingServerStreaming(channel, m, CallOptions.DEFAULT, "go")) {
      it.forEachRemaining(got::add);
    }
    List<String> expected = new ArrayList<>(replies);
    expected.add("uncompressed");
    assertThat(got).containsExactlyElementsOf(expected);
  }

  // ================================================================== shutdown

  @Test
  void gracefulServerShutdownLetsInFlightCallsFinishAndRefusesNewOnes() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "Drain");
    MethodDescriptor<String, String> probe = method(MethodDescriptor.Type.UNARY, "Probe");
    EchoRecorder<String> server = new EchoRecorder<>();
    Server srv = startServer(ServiceDefinition.builder(SERVICE)
        .method(m, server).method(probe, new EchoRecorder<>()).build());
    Channel channel = newChannel(srv);

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(10);
    call.sendMessage("before");
    assertThat(client.nextMessage()).isEqualTo("before");

    srv.shutdown();
    assertThat(srv.isShutdown()).isTrue();

    // The call in flight still works both ways.
    call.sendMessage("during");
    assertThat(client.nextMessage()).isEqualTo("during");
    assertThat(srv.isTerminated()).isFalse();

    // A new channel cannot reach the server.
    Channel late = newChannel(srv);
    assertThatThrownBy(() -> ClientCalls.blockingUnary(late, probe, CallOptions.DEFAULT, "y"))
        .isInstanceOfSatisfying(StatusException.class,
            e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
    // Nor, once it has noticed the shutdown, can the old one: a call may slip in before then
    // and run as one more call in flight, but soon they all fail fast with UNAVAILABLE.
    Status last = null;
    for (int i = 0; i < 1000 && last == null; i++) {
      try {
        assertThat(ClientCalls.blockingUnary(channel, probe, CallOptions.DEFAULT, "p")).isEqualTo("p");
      } catch (StatusException e) {
        last = e.status();
      }
    }
    assertThat(last).isNotNull();
    assertThat(last.code()).isEqualTo(Status.Code.UNAVAILABLE);

    call.sendMessage("last");
    assertThat(client.nextMessage()).isEqualTo("last");
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.OK);
    assertThat(srv.awaitTermination(Duration.ofSeconds(TIMEOUT_SECONDS))).isTrue();
    assertThat(srv.isTerminated()).isTrue();
    assertThat(server.cancelled).isNotDone();
  }

  @Test
  void serverShutdownNowCancelsInFlightCallsOnBothSides() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "Abort");
    EchoRecorder<String> server = new EchoRecorder<>();
    Server srv = startServer(service(m, server));
    Channel channel = newChannel(srv);

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(10);
    call.sendMessage("before");
    assertThat(client.nextMessage()).isEqualTo("before");

    srv.shutdownNow();
    assertThat(server.awaitCancel()).as("server context cancelled in onCancel").isTrue();
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(srv.awaitTermination(Duration.ofSeconds(TIMEOUT_SECONDS))).isTrue();
    assertThat(server.completed).isNotDone();
  }

  @Test
  void channelShutdownLetsInFlightCallsFinishAndRefusesNewOnes() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "ChannelDrain");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(10);
    call.sendMessage("before");
    assertThat(client.nextMessage()).isEqualTo("before");

    channel.shutdown();
    assertThat(channel.isShutdown()).isTrue();
    ClientRecorder<String> refused = new ClientRecorder<>();
    ClientCall<String, String> newCall = start(channel, m, CallOptions.DEFAULT, new Metadata(), refused);
    newCall.request(1);
    assertCode(refused.awaitClose(), Status.Code.UNAVAILABLE);

    call.sendMessage("during");
    assertThat(client.nextMessage()).isEqualTo("during");
    assertThat(channel.isTerminated()).isFalse();
    call.halfClose();
    assertCode(client.awaitClose(), Status.Code.OK);
    assertThat(channel.awaitTermination(Duration.ofSeconds(TIMEOUT_SECONDS))).isTrue();
    assertThat(server.cancelled).isNotDone();
  }

  @Test
  void channelShutdownNowCancelsInFlightCallsOnBothSides() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.BIDI_STREAMING, "ChannelAbort");
    EchoRecorder<String> server = new EchoRecorder<>();
    Channel channel = newChannel(startServer(service(m, server)));

    ClientRecorder<String> client = new ClientRecorder<>();
    ClientCall<String, String> call = start(channel, m, CallOptions.DEFAULT, new Metadata(), client);
    call.request(10);
    call.sendMessage("before");
    assertThat(client.nextMessage()).isEqualTo("before");

    channel.shutdownNow();
    Closed closed = client.awaitClose();
    assertThat(closed.status().code()).as("status %s", closed.status()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(server.awaitCancel()).as("server context cancelled in onCancel").isTrue();
    assertThat(channel.awaitTermination(Duration.ofSeconds(TIMEOUT_SECONDS))).isTrue();
  }

  /** Two servers of the transport run side by side, each at its own address. */
  @Test
  void twoServersRunSideBySide() throws Exception {
    MethodDescriptor<String, String> m = method(MethodDescriptor.Type.UNARY, "Fresh");
    Server a = startServer(service(m, new EchoRecorder<>()));
    Server b = startServer(service(m, new EchoRecorder<>()));
    assertThat(ClientCalls.blockingUnary(newChannel(a), m, CallOptions.DEFAULT, "a")).isEqualTo("a");
    assertThat(ClientCalls.blockingUnary(newChannel(b), m, CallOptions.DEFAULT, "b")).isEqualTo("b");
    if (a.localAddress() != null && a.localAddress().equals(b.localAddress())) {
      fail("two servers share the address " + a.localAddress());
    }
  }
}
