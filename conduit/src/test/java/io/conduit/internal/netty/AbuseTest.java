package io.conduit.internal.netty;

import static io.conduit.testing.RawConnection.CONTINUATION;
import static io.conduit.testing.RawConnection.DATA;
import static io.conduit.testing.RawConnection.END_HEADERS;
import static io.conduit.testing.RawConnection.END_STREAM;
import static io.conduit.testing.RawConnection.GOAWAY;
import static io.conduit.testing.RawConnection.HEADERS;
import static io.conduit.testing.RawConnection.PING;
import static io.conduit.testing.RawConnection.RST_STREAM;
import static io.conduit.testing.RawConnection.SETTINGS;
import static io.conduit.testing.RawConnection.WINDOW_UPDATE;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServerTls;
import io.conduit.ServiceDefinition;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.Await;
import io.conduit.testing.FakeClock;
import io.conduit.testing.RawConnection;
import io.conduit.testing.RawHttp2Client;
import io.conduit.testing.TestCerts;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http2.Http2Error;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile clients, one per abuse, each speaking raw HTTP/2 at a server: the test checks the
 * server's answer (GOAWAY with the right code, RST_STREAM, or a close), that a well-behaved client
 * on another connection is served meanwhile, and that memory stays bounded.
 */
@Timeout(60)
class AbuseTest {
  static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  static final MethodDescriptor<String, String> UNARY =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Abuse/Unary", STRING, STRING);
  static final MethodDescriptor<String, String> STREAM = MethodDescriptor.of(
      MethodDescriptor.Type.SERVER_STREAMING, "test.Abuse/Stream", STRING, STRING);
  static final MethodDescriptor<String, String> HANG = MethodDescriptor.of(
      MethodDescriptor.Type.CLIENT_STREAMING, "test.Abuse/Hang", STRING, STRING);
  static final MethodDescriptor<String, String> FIRST = MethodDescriptor.of(
      MethodDescriptor.Type.BIDI_STREAMING, "test.Abuse/First", STRING, STRING);
  static final long NO_ERROR = Http2Error.NO_ERROR.code();
  static final long ENHANCE_YOUR_CALM = Http2Error.ENHANCE_YOUR_CALM.code();
  /** Generous: the attacks below would take hundreds of MiB or more if unbounded. */
  static final long MEMORY_BOUND = 64L << 20;

  final List<AutoCloseable> toClose = new ArrayList<>();
  /** Stream handlers that sent all they were asked for. */
  final java.util.concurrent.atomic.AtomicInteger streamsAnswered = new java.util.concurrent.atomic.AtomicInteger();
  /** Stream handlers that had to wait for a client that does not read. */
  final java.util.concurrent.atomic.AtomicInteger streamsWaiting = new java.util.concurrent.atomic.AtomicInteger();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  ServiceDefinition service() {
    return ServiceDefinition.builder("test.Abuse")
        .method(UNARY, ServerCalls.unary((req, out) -> {
          out.onNext(req);
          out.onCompleted();
        }))
        // "N:SIZE": N messages of SIZE bytes; waits for the client when it is not ready.
        .method(STREAM, ServerCalls.serverStreaming((req, out) -> {
          String[] parts = req.split(":");
          String chunk = "x".repeat(Integer.parseInt(parts[1]));
          boolean waiting = false;
          for (int i = 0; i < Integer.parseInt(parts[0]); i++) {
            if (!waiting && !out.isReady()) {
              // onNext waits for the client from here on.
              waiting = true;
              streamsWaiting.incrementAndGet();
            }
            out.onNext(chunk);
          }
          out.onCompleted();
          streamsAnswered.incrementAndGet();
        }))
        // Never answers: holds its stream open.
        .method(HANG, ServerCalls.clientStreaming(out -> new io.conduit.stub.StreamObserver<>() {
          @Override
          public void onNext(String value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        }))
        // Answers the first message and completes while the client may still be sending: the
        // server then ends the stream with RST_STREAM(NO_ERROR).
        .method(FIRST, ServerCalls.<String, String>bidiStreaming(out -> new io.conduit.stub.StreamObserver<>() {
          private boolean answered;

          @Override
          public void onNext(String value) {
            if (!answered) {
              answered = true;
              out.onNext(value);
              out.onCompleted();
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        }))
        .build();
  }

  /** Waits until {@code clock} has {@code count} timers of {@code delay} pending. */
  static void awaitTimers(FakeClock clock, Duration delay, int count) throws InterruptedException {
    Await.until(count + " timers of " + delay, Duration.ofSeconds(10),
        () -> clock.pendingDelays().stream().filter(delay::equals).count() == count,
        () -> "pending: " + clock.pendingDelays());
  }

  Server start(Server.Builder builder) {
    Server s = builder.bind("127.0.0.1", 0).service(service()).build().start();
    toClose.add(s);
    return s;
  }

  RawConnection attacker(Server s) throws IOException {
    RawConnection c = RawConnection.open(s.port());
    toClose.add(c);
    return c;
  }

  /** A well-behaved client on its own connection gets its answer. */
  static void wellBehavedClientIsServed(Server s) {
    try (Channel channel = Channel.forAddress("127.0.0.1", s.port()).plaintext().build()) {
      assertThat(ClientCalls.blockingUnary(channel, UNARY,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), "still here"))
          .isEqualTo("still here");
    }
  }

  /** Pooled buffer memory plus heap in use, after a collection. */
  static long memoryInUse() {
    System.gc();
    long pooled = 0;
    if (ByteBufAllocator.DEFAULT instanceof PooledByteBufAllocator p) {
      pooled = p.metric().usedDirectMemory() + p.metric().usedHeapMemory();
    }
    return pooled + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static RawConnection.Frame goAway(RawConnection c) throws InterruptedException {
    RawConnection.Frame f = c.await(GOAWAY, Duration.ofSeconds(20));
    assertThat(f).as("GOAWAY (after %d acknowledgements; the reader: %s)", c.acks(), c.endedBy())
        .isNotNull();
    return f;
  }

  @Test
  void rapidResetGetsGoAwayEnhanceYourCalm() throws Exception {
    Server s = start(Server.builder().maxResetStreams(100, Duration.ofSeconds(10)));
    long before = memoryInUse();
    RawConnection c = attacker(s);
    try {
      for (int i = 0; i < 2000 && !c.isRefused(); i++) {
        int id = c.request("/test.Abuse/Hang", false);
        c.frame(RST_STREAM, 0, id, RawConnection.rstPayload(Http2Error.CANCEL.code()));
      }
    } catch (IOException closedByServer) {
      // Expected once the server has had enough.
    }
    RawConnection.Frame f = goAway(c);
    assertThat(f.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
    wellBehavedClientIsServed(s);
    assertThat(memoryInUse() - before).isLessThan(MEMORY_BOUND);
  }

  @Test
  void defaultResetLimitHolds() throws Exception {
    Server s = start(Server.builder());
    RawConnection c = attacker(s);
    try {
      for (int i = 0; i < 5000 && !c.isRefused(); i++) {
        int id = c.request("/test.Abuse/Hang", false);
        c.frame(RST_STREAM, 0, id, RawConnection.rstPayload(Http2Error.CANCEL.code()));
      }
    } catch (IOException closedByServer) {
      // Expected once the server has had enough.
    }
    assertThat(goAway(c).errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    wellBehavedClientIsServed(s);
  }

  /**
   * One request the server must reject while the client is still sending (no END_STREAM): HTTP
   * 405 or 415, a malformed :path or grpc-timeout, a message over the size limit.
   */
  static byte[] invalidRequest(RawConnection c, int id, int kind) {
    io.netty.handler.codec.http2.Http2Headers h = RawHttp2Client.grpcHeaders("/test.Abuse/Hang");
    switch (kind % 6) {
      case 0 -> h.remove("content-type");
      case 1 -> h.set("content-type", "application/json");
      case 2 -> h.method("GET");
      case 3 -> h.path("nope");
      case 4 -> h.set("grpc-timeout", "bogus");
      default -> {
        // A valid start, then a message prefix claiming 64 MiB: the call fails in the deframer.
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(RawConnection.frameBytes(HEADERS, END_HEADERS, id, c.encode(h)));
        b.writeBytes(RawConnection.frameBytes(DATA, 0, id, new byte[] {0, 4, 0, 0, 0}));
        return b.toByteArray();
      }
    }
    return RawConnection.frameBytes(HEADERS, END_HEADERS, id, c.encode(h));
  }

  @Test
  void invalidRequestFloodGetsGoAwayEnhanceYourCalm() throws Exception {
    // MadeYouReset (CVE-2025-8671): every request is one the server must refuse and reset itself.
    Server s = start(Server.builder().maxResetStreams(100, Duration.ofSeconds(10)));
    long before = memoryInUse();
    RawConnection c = attacker(s);
    int first = c.newStreamId();
    c.write(invalidRequest(c, first, 0));
    // The rejection ends the stream on the wire: the HTTP error, then RST_STREAM(NO_ERROR).
    RawConnection.Frame answer = c.awaitStream(first, Duration.ofSeconds(10));
    assertThat(answer).isNotNull();
    assertThat(answer.type()).as(answer.toString()).isEqualTo(HEADERS);
    assertThat(answer.headers().status().toString()).isEqualTo("415");
    RawConnection.Frame reset = c.awaitStream(first, Duration.ofSeconds(10));
    assertThat(reset).isNotNull();
    assertThat(reset.type()).as(reset.toString()).isEqualTo(RST_STREAM);
    assertThat(reset.errorCode()).isEqualTo(NO_ERROR);
    try {
      // Ten times the budget, every kind of rejection, without stopping at the GOAWAY.
      for (int i = 1; i < 1000; i++) {
        c.write(invalidRequest(c, c.newStreamId(), i));
      }
    } catch (IOException closedByServer) {
      // The server may be gone by now; the GOAWAY must still be there to read.
    }
    RawConnection.Frame f = goAway(c);
    assertThat(f.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
    assertThat(c.resets()).isBetween(100L, 200L);
    wellBehavedClientIsServed(s);
    assertThat(memoryInUse() - before).isLessThan(MEMORY_BOUND);
  }

  @Test
  void clientAndServerResetsShareOneBudget() throws Exception {
    // 40 of each kind, 120 in all: each kind alone stays under the budget of 100.
    Server s = start(Server.builder().maxResetStreams(100, Duration.ofSeconds(10)));
    RawConnection c = attacker(s);
    try {
      for (int i = 0; i < 40; i++) {
        // The client resets a stream (rapid reset)...
        int cancelled = c.request("/test.Abuse/Hang", false);
        c.frame(RST_STREAM, 0, cancelled, RawConnection.rstPayload(Http2Error.CANCEL.code()));
        // ...has the server reject one...
        c.write(invalidRequest(c, c.newStreamId(), i));
        // ...and makes it reset one for a stream error: a WINDOW_UPDATE of 0.
        int broken = c.request("/test.Abuse/Hang", false);
        c.frame(WINDOW_UPDATE, 0, broken, new byte[4]);
      }
    } catch (IOException closedByServer) {
      // The server may be gone by now; the GOAWAY must still be there to read.
    }
    assertThat(goAway(c).errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
    wellBehavedClientIsServed(s);
  }

  @Test
  void resetsThatAreNotTheClientsFaultAreFree() throws Exception {
    FakeClock clock = new FakeClock();
    Server s = start(Server.builder().maxResetStreams(20, Duration.ofSeconds(10)).clock(clock));
    RawConnection c = attacker(s);
    byte[] hello = RawConnection.grpcMessage("hi".getBytes(StandardCharsets.UTF_8));
    // 200 calls answered while the client still sends: each ends with RST_STREAM(NO_ERROR).
    for (int batch = 1; batch <= 10; batch++) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int i = 0; i < 20; i++) {
        int id = c.newStreamId();
        b.writeBytes(RawConnection.frameBytes(HEADERS, END_HEADERS, id,
            c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/First"))));
        b.writeBytes(RawConnection.frameBytes(DATA, 0, id, hello));
      }
      c.write(b.toByteArray());
      long resets = 20L * batch;
      Await.until("the resets of batch " + batch, Duration.ofSeconds(10),
          () -> c.resets() >= resets || c.isRefused());
      assertThat(c.isRefused()).as("GOAWAY after batch " + batch).isFalse();
      assertThat(c.resets()).isEqualTo(20L * batch);
    }
    // 30 calls to a method the server does not have, still sending: answered, reset, not abuse.
    for (int i = 0; i < 30; i++) {
      c.request("/test.Abuse/NoSuchMethod", false);
    }
    // 30 calls whose deadline expires: the server cancels them (RST_STREAM CANCEL).
    for (int i = 0; i < 30; i++) {
      int id = c.newStreamId();
      c.frame(HEADERS, END_HEADERS, id, c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Hang")
          .set("grpc-timeout", "10m")));
    }
    awaitTimers(clock, Duration.ofMillis(10), 30);
    clock.advance(Duration.ofMillis(10));
    // Cancellations by the client at a moderate rate: 15, under the budget of 20.
    for (int i = 0; i < 15; i++) {
      int id = c.request("/test.Abuse/Hang", false);
      c.frame(RST_STREAM, 0, id, RawConnection.rstPayload(Http2Error.CANCEL.code()));
    }
    Await.until("260 resets", Duration.ofSeconds(10), () -> c.resets() >= 200 + 30 + 30);
    assertThat(c.resets()).isEqualTo(200 + 30 + 30);
    // The same connection is still good.
    int ok = c.newStreamId();
    c.frame(HEADERS, END_HEADERS, ok, c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Unary")));
    c.frame(DATA, END_STREAM, ok, hello);
    RawConnection.Frame answer = c.awaitStream(ok, Duration.ofSeconds(10));
    assertThat(answer).isNotNull();
    assertThat(answer.type()).as(answer.toString()).isEqualTo(HEADERS);
    assertThat(c.isRefused()).isFalse();
    wellBehavedClientIsServed(s);
  }

  @Test
  void pingFloodGetsTooManyPings() throws Exception {
    Server s = start(Server.builder());
    RawConnection c = attacker(s);
    try {
      // The first ping is fine, the next three are strikes and the third strike is out; the
      // client pings on to twice that. The server drains what follows its GOAWAY instead of
      // closing on it (which would answer with a TCP reset that can discard the GOAWAY).
      for (int i = 0; i < 2 * (1 + KeepAliveEnforcer.MAX_STRIKES + 1); i++) {
        c.frame(PING, 0, 0, new byte[8]);
      }
    } catch (IOException closedByServer) {
      // The server may be gone by now; the GOAWAY must still be there to read.
    }
    RawConnection.Frame f = goAway(c);
    assertThat(f.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    assertThat(f.debug()).isEqualTo("too_many_pings");
    wellBehavedClientIsServed(s);
  }

  @Test
  void goAwayReachesAClientThatSendsOnAndReadsLate() throws Exception {
    Server s = start(Server.builder());
    RawConnection c = RawConnection.connect(s.port(), 4096);
    toClose.add(c);
    c.preface();
    // An answer larger than the client's small receive buffer: what the server sends next (the
    // GOAWAY) waits in the server's kernel until the client reads.
    int id = c.newStreamId();
    c.frame(HEADERS, END_HEADERS, id, c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Stream")));
    c.frame(DATA, END_STREAM, id, RawConnection.grpcMessage("8:1024".getBytes(StandardCharsets.UTF_8)));
    Await.until("the answer written", Duration.ofSeconds(10), () -> streamsAnswered.get() == 1);
    try {
      // Twice the pings that earn a GOAWAY; then more, after the server has decided. Had the
      // server closed its socket, these would draw a TCP reset, and the reset would throw away the
      // GOAWAY still waiting in the server's kernel.
      for (int i = 0; i < 2 * (1 + KeepAliveEnforcer.MAX_STRIKES + 1); i++) {
        c.frame(PING, 0, 0, new byte[8]);
      }
      for (int i = 0; i < 10; i++) {
        // Real time on purpose: a client that keeps sending for a while after the server's
        // decision, over a real socket; that decision cannot be seen without reading, and not
        // reading is the point.
        Thread.sleep(50);
        c.frame(PING, 0, 0, new byte[8]);
      }
    } catch (IOException reset) {
      // What the fix prevents; the assertions below tell.
    }
    c.startReading();
    RawConnection.Frame f = goAway(c);
    assertThat(f.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    assertThat(f.debug()).isEqualTo("too_many_pings");
    assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
    wellBehavedClientIsServed(s);
  }

  @Test
  void gracefulGoAwayReachesAClientThatSendsOnAndReadsLate() throws Exception {
    // Not abuse: what a busy client looks like to a server that drains (max connection age,
    // shutdown) while a large request is still arriving. The final GOAWAY tells that client which
    // of its streams to retry elsewhere; a close that resets the connection throws it away, and
    // those calls fail instead.
    FakeClock clock = new FakeClock();
    Server s = start(Server.builder().clock(clock));
    RawConnection c = RawConnection.connect(s.port(), 4096);
    toClose.add(c);
    c.preface();
    int id = c.newStreamId();
    c.frame(HEADERS, END_HEADERS, id, c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Stream")));
    c.frame(DATA, END_STREAM, id, RawConnection.grpcMessage("8:1024".getBytes(StandardCharsets.UTF_8)));
    Await.until("the answer written", Duration.ofSeconds(10), () -> streamsAnswered.get() == 1);
    s.shutdown();
    // The client reads nothing, so the first GOAWAY's PING goes unanswered; its fallback sends
    // the final GOAWAY, and with no call left the server closes.
    Duration fallback = Duration.ofNanos(ServerConnectionLifecycle.SECOND_GOAWAY_FALLBACK_NANOS);
    awaitTimers(clock, fallback, 1);
    clock.advance(fallback);
    int late = c.newStreamId();
    try {
      c.frame(HEADERS, END_HEADERS, late, c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Unary")));
      for (int i = 0; i < 10; i++) {
        // Real time on purpose, as above: a client that sends on over a real socket after the
        // server's close, which it cannot see without reading.
        Thread.sleep(50);
        c.frame(DATA, 0, late, RawConnection.grpcMessage(new byte[1000]));
      }
    } catch (IOException reset) {
      // What the linger prevents; the assertions below tell.
    }
    c.startReading();
    RawConnection.Frame answer = c.awaitStream(id, Duration.ofSeconds(10));
    assertThat(answer).as("the answer's headers").isNotNull();
    assertThat(answer.type()).isEqualTo(HEADERS);
    RawConnection.Frame first = goAway(c);
    assertThat(first.errorCode()).isEqualTo(NO_ERROR);
    RawConnection.Frame last = goAway(c);
    assertThat(last.errorCode()).isEqualTo(NO_ERROR);
    assertThat(lastStreamId(last)).as("the final GOAWAY's last stream").isEqualTo(id);
    assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
  }

  static int lastStreamId(RawConnection.Frame goAway) {
    byte[] p = goAway.payload();
    return ((p[0] & 0x7f) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
  }

  // The SETTINGS and PING floods of a client that reads nothing: ControlFrameFloodTest.

  @Test
  void emptyDataFloodGetsGoAway() throws Exception {
    Server s = start(Server.builder());
    RawConnection c = attacker(s);
    int id = c.request("/test.Abuse/Hang", false);
    try {
      for (int i = 0; i < 100 && !c.isRefused(); i++) {
        c.frame(DATA, 0, id, new byte[0]);
      }
    } catch (IOException closedByServer) {
      // Expected once the server has had enough.
    }
    assertThat(goAway(c).errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    wellBehavedClientIsServed(s);
  }

  @Test
  void emptyHeadersFloodIsRefusedStreamByStream() throws Exception {
    Server s = start(Server.builder());
    long before = memoryInUse();
    RawConnection c = attacker(s);
    int last = 0;
    // Empty header blocks (no :method, no :path): each a malformed request, refused on its own.
    ByteArrayOutputStream flood = new ByteArrayOutputStream();
    for (int i = 0; i < 1000; i++) {
      last = c.newStreamId();
      flood.writeBytes(RawConnection.frameBytes(HEADERS, END_HEADERS | END_STREAM, last, new byte[0]));
    }
    c.write(flood.toByteArray());
    RawConnection.Frame refusal = c.awaitStream(last, Duration.ofSeconds(10));
    assertThat(refusal).isNotNull();
    assertThat(refusal.type()).as(refusal.toString()).isEqualTo(HEADERS);
    assertThat(refusal.headers().status().toString()).isEqualTo("405");
    wellBehavedClientIsServed(s);
    assertThat(memoryInUse() - before).isLessThan(MEMORY_BOUND);
  }

  @Test
  void continuationFloodGetsGoAway() throws Exception {
    Server s = start(Server.builder());
    long before = memoryInUse();
    RawConnection c = attacker(s);
    int id = c.newStreamId();
    c.frame(HEADERS, 0, id, c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Unary")));
    // Literal headers without indexing, 1000 bytes per CONTINUATION, never END_HEADERS.
    byte[] chunk = literalHeader("x-pad", "p".repeat(990));
    try {
      // 24 KB of header block: twice past the 8 KiB limit and Netty's 10 KiB GOAWAY threshold;
      // the client goes on sending after the server has decided (see pingFloodGetsTooManyPings).
      for (int i = 0; i < 24; i++) {
        c.frame(CONTINUATION, 0, id, chunk);
      }
    } catch (IOException closedByServer) {
      // The server may be gone by now; the GOAWAY must still be there to read.
    }
    RawConnection.Frame f = goAway(c);
    // Netty's verdict on a header block past its GOAWAY threshold ("Header size exceeded max
    // allowed size"); the tiny-CONTINUATION flood below gets ENHANCE_YOUR_CALM.
    assertThat(f.errorCode()).as(f.toString()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
    wellBehavedClientIsServed(s);
    assertThat(memoryInUse() - before).isLessThan(MEMORY_BOUND);
  }

  @Test
  void tinyContinuationFloodGetsGoAway() throws Exception {
    Server s = start(Server.builder());
    RawConnection c = attacker(s);
    int id = c.newStreamId();
    c.frame(HEADERS, 0, id, c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Unary")));
    try {
      // Twice the limit of 16, one frame at a time: the client goes on past the GOAWAY.
      for (int i = 0; i < 32; i++) {
        c.frame(CONTINUATION, 0, id, new byte[0]);
      }
    } catch (IOException closedByServer) {
      // The server may be gone by now; the GOAWAY must still be there to read.
    }
    assertThat(goAway(c).errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
    wellBehavedClientIsServed(s);
  }

  @Test
  void oversizedHeaderListIsRefusedAndConnectionSurvives() throws Exception {
    Server s = start(Server.builder());
    RawConnection c = attacker(s);
    int id = c.newStreamId();
    io.netty.handler.codec.http2.Http2Headers h = RawHttp2Client.grpcHeaders("/test.Abuse/Unary")
        .set("x-big", "b".repeat(9 * 1024));
    c.frame(HEADERS, END_HEADERS | END_STREAM, id, c.encode(h));
    RawConnection.Frame f = c.awaitStream(id, Duration.ofSeconds(10));
    assertThat(f).isNotNull();
    if (f.type() == HEADERS) {
      assertThat(f.headers().status().toString()).isEqualTo("431");
    } else {
      assertThat(f.type()).isEqualTo(RST_STREAM);
    }
    // The same connection still serves a good request.
    int ok = c.newStreamId();
    c.frame(HEADERS, END_HEADERS, ok, c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Unary")));
    c.frame(DATA, END_STREAM, ok, RawConnection.grpcMessage("hi".getBytes(StandardCharsets.UTF_8)));
    RawConnection.Frame answer = c.awaitStream(ok, Duration.ofSeconds(10));
    assertThat(answer).isNotNull();
    assertThat(answer.type()).isEqualTo(HEADERS);
    assertThat(answer.headers().status().toString()).isEqualTo("200");
  }

  @Test
  void hpackBombIsRefusedWithBoundedMemory() throws Exception {
    Server s = start(Server.builder());
    long before = memoryInUse();
    RawConnection c = attacker(s);
    int id = c.newStreamId();
    // One 4 KiB entry into the dynamic table, then 4,000 one-byte references to it: 16 MiB of
    // headers from a 4 KiB block.
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.writeBytes(c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Unary")));
    block.writeBytes(indexedLiteral("x-bomb", "B".repeat(4000)));
    for (int i = 0; i < 4000; i++) {
      block.write(0x80 | 62);
    }
    c.frame(HEADERS, END_HEADERS | END_STREAM, id, block.toByteArray());
    RawConnection.Frame f = c.awaitStream(id, Duration.ofSeconds(10));
    assertThat(f).as("the server's answer").isNotNull();
    if (f.type() == HEADERS) {
      assertThat(f.headers().status().toString()).isEqualTo("431");
    } else {
      assertThat(f.type()).isIn(RST_STREAM, GOAWAY);
    }
    wellBehavedClientIsServed(s);
    assertThat(memoryInUse() - before).isLessThan(MEMORY_BOUND);
  }

  @Test
  void maxConcurrentStreamsRefusesTheNextStreamEvenBeforeTheSettingsAck() throws Exception {
    Server s = start(Server.builder().maxConcurrentStreams(10));
    RawConnection c = RawConnection.connect(s.port(), 0);
    toClose.add(c);
    c.preface();
    // No reader yet: the server's SETTINGS stay unacknowledged while we open 11 streams.
    int last = 0;
    for (int i = 0; i < 11; i++) {
      last = c.request("/test.Abuse/Hang", false);
    }
    c.startReading();
    RawConnection.Frame f = c.awaitStream(last, Duration.ofSeconds(10));
    assertThat(f).isNotNull();
    assertThat(f.type()).isEqualTo(RST_STREAM);
    assertThat(f.errorCode()).isEqualTo(Http2Error.REFUSED_STREAM.code());
    wellBehavedClientIsServed(s);
  }

  @Test
  void defaultMaxConcurrentStreamsIs100() throws Exception {
    Server s = start(Server.builder());
    RawConnection c = attacker(s);
    int last = 0;
    for (int i = 0; i < 101; i++) {
      last = c.request("/test.Abuse/Hang", false);
    }
    RawConnection.Frame f = c.awaitStream(last, Duration.ofSeconds(10));
    assertThat(f).isNotNull();
    assertThat(f.type()).isEqualTo(RST_STREAM);
    assertThat(f.errorCode()).isEqualTo(Http2Error.REFUSED_STREAM.code());
  }

  @Test
  void clientThatStopsReadingCannotMakeTheServerBuffer() throws Exception {
    FakeClock clock = new FakeClock();
    Server s = start(Server.builder().writeStallTimeout(Duration.ofSeconds(2)).clock(clock));
    long before = memoryInUse();
    RawConnection c = RawConnection.connect(s.port(), 4096);
    toClose.add(c);
    c.preface();
    // Open wide flow-control windows, so only the client's not reading holds the server back.
    byte[] maxWindow = {0, 4, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    c.frame(SETTINGS, 0, 0, maxWindow);
    c.frame(WINDOW_UPDATE, 0, 0, new byte[] {0x7f, (byte) 0xff, 0, 0});
    // 20 streams asking for 50 MiB each: 1 GiB if the server buffered it.
    for (int i = 0; i < 20; i++) {
      int id = c.newStreamId();
      c.frame(HEADERS, END_HEADERS, id, c.encode(RawHttp2Client.grpcHeaders("/test.Abuse/Stream")));
      c.frame(DATA, END_STREAM, id, RawConnection.grpcMessage(
          "51200:1024".getBytes(StandardCharsets.UTF_8)));
    }
    // The server has filled what it may: it stopped writing (and reading), its write-stall
    // timer runs, and the handlers wait for the client (those the handler pool has started).
    awaitTimers(clock, Duration.ofSeconds(2), 1);
    Await.until("handlers waiting", Duration.ofSeconds(10), () -> streamsWaiting.get() > 0);
    long during = memoryInUse() - before;
    wellBehavedClientIsServed(s);
    assertThat(during).isLessThan(MEMORY_BOUND);
    // The write-stall timeout closes the connection, not before; reading now finds the end of
    // the data.
    clock.advance(Duration.ofMillis(1999));
    assertThat(c.isClosedByServer()).isFalse();
    clock.advance(Duration.ofMillis(1));
    c.startReading();
    assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
    assertThat(c.dataBytes()).isLessThan(200L << 20);
  }

  @Test
  void slowlorisWithoutPrefaceIsClosed() throws Exception {
    FakeClock clock = new FakeClock();
    Server s = start(Server.builder().handshakeTimeout(Duration.ofMillis(500)).clock(clock));
    RawConnection silent = RawConnection.connect(s.port(), 0);
    toClose.add(silent);
    silent.startReadingSilently();
    RawConnection partial = RawConnection.connect(s.port(), 0);
    toClose.add(partial);
    partial.write("PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII));
    partial.startReadingSilently();
    awaitTimers(clock, Duration.ofMillis(500), 2);
    clock.advance(Duration.ofMillis(499));
    assertThat(silent.isClosedByServer() || partial.isClosedByServer()).isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(silent.awaitClosed(Duration.ofSeconds(5))).isTrue();
    assertThat(partial.awaitClosed(Duration.ofSeconds(5))).isTrue();
    wellBehavedClientIsServed(s);
  }

  @Test
  void slowTlsHandshakeIsClosed() throws Exception {
    TestCerts certs = TestCerts.get();
    FakeClock clock = new FakeClock();
    // A long handshake timeout: the close comes from the clock (ConnectionGuard), not from
    // the TLS handler's own real-time timer.
    Server s = start(Server.builder().handshakeTimeout(Duration.ofSeconds(30)).clock(clock)
        .tls(ServerTls.fromPem(certs.server.certChainPem(), certs.server.privateKeyPem())));
    RawConnection silent = RawConnection.connect(s.port(), 0);
    toClose.add(silent);
    silent.startReading();
    awaitTimers(clock, Duration.ofSeconds(30), 1);
    clock.advance(Duration.ofSeconds(30));
    assertThat(silent.awaitClosed(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void connectionCapClosesExtraConnections() throws Exception {
    Server s = start(Server.builder().maxConnections(2));
    RawConnection a = attacker(s);
    RawConnection b = attacker(s);
    // Both are in: they get the server's SETTINGS and answers.
    int id = a.request("/test.Abuse/Unary", false);
    a.frame(DATA, END_STREAM, id, RawConnection.grpcMessage("a".getBytes(StandardCharsets.UTF_8)));
    assertThat(a.awaitStream(id, Duration.ofSeconds(10))).isNotNull();
    // Closed as soon as accepted: no preface (a write could already fail), just the close.
    RawConnection third = RawConnection.connect(s.port(), 0);
    toClose.add(third);
    third.startReading();
    assertThat(third.awaitClosed(Duration.ofSeconds(5))).isTrue();
    assertThat(b.isClosedByServer()).isFalse();
    b.close();
    // A slot is free again: a well-behaved client gets in.
    Await.until("a free slot", Duration.ofSeconds(10), () -> {
      try {
        wellBehavedClientIsServed(s);
        return true;
      } catch (AssertionError | RuntimeException stillFull) {
        return false;
      }
    });
  }

  /** An HPACK literal header field without indexing, new name (RFC 7541 6.2.2). */
  static byte[] literalHeader(String name, String value) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x00);
    writeString(b, name);
    writeString(b, value);
    return b.toByteArray();
  }

  /** An HPACK literal header field with incremental indexing, new name (RFC 7541 6.2.1). */
  static byte[] indexedLiteral(String name, String value) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x40);
    writeString(b, name);
    writeString(b, value);
    return b.toByteArray();
  }

  private static void writeString(ByteArrayOutputStream b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    writeInt(b, 0x00, 7, bytes.length);
    b.writeBytes(bytes);
  }

  private static void writeInt(ByteArrayOutputStream b, int mask, int prefixBits, int value) {
    int max = (1 << prefixBits) - 1;
    if (value < max) {
      b.write(mask | value);
      return;
    }
    b.write(mask | max);
    value -= max;
    while (value >= 128) {
      b.write((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    b.write(value);
  }
}
