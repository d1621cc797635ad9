package io.conduit.internal.transport;

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
import java.util.concurrent.CountDownLatch;
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
  static final long ENHANCE_YOUR_CALM = Http2Error.ENHANCE_YOUR_CALM.code();
  /** Generous: the attacks below would take hundreds of MiB or more if unbounded. */
  static final long MEMORY_BOUND = 64L << 20;

  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  static ServiceDefinition service() {
    return ServiceDefinition.builder("test.Abuse")
        .method(UNARY, ServerCalls.unary((req, out) -> {
          out.onNext(req);
          out.onCompleted();
        }))
        // "N:SIZE": N messages of SIZE bytes; waits for the client when it is not ready.
        .method(STREAM, ServerCalls.serverStreaming((req, out) -> {
          String[] parts = req.split(":");
          String chunk = "x".repeat(Integer.parseInt(parts[1]));
          for (int i = 0; i < Integer.parseInt(parts[0]); i++) {
            out.onNext(chunk);
          }
          out.onCompleted();
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
        .build();
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
  void wellBehavedClientIsServed(Server s) {
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
    assertThat(f).as("GOAWAY").isNotNull();
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

  @Test
  void pingFloodGetsTooManyPings() throws Exception {
    Server s = start(Server.builder());
    RawConnection c = attacker(s);
    try {
      // The first ping is fine, the next three are strikes and the third strike is out. No more
      // than that: writes after the server closes would draw a TCP reset that can discard the
      // GOAWAY before this client reads it.
      for (int i = 0; i < 1 + KeepAliveEnforcer.MAX_STRIKES + 1 && !c.isRefused(); i++) {
        c.frame(PING, 0, 0, new byte[8]);
      }
    } catch (IOException closedByServer) {
      // Expected once the server has had enough.
    }
    RawConnection.Frame f = goAway(c);
    assertThat(f.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    assertThat(f.debug()).isEqualTo("too_many_pings");
    wellBehavedClientIsServed(s);
  }

  /** A client that floods control frames and reads nothing: the acknowledgements are capped. */
  void controlFloodWithoutReading(int frameType) throws Exception {
    // Pings are allowed at any rate here, so that only the queue limit can stop this client.
    // The write-stall timeout is far away, so only the queue limit can stop this client.
    Server s = start(Server.builder().maxQueuedControlFrames(1000)
        .permitKeepAliveTime(Duration.ZERO).permitKeepAliveWithoutCalls(true)
        .writeStallTimeout(Duration.ofMinutes(5)));
    long before = memoryInUse();
    RawConnection c = RawConnection.connect(s.port(), 4096);
    toClose.add(c);
    c.preface();
    byte[] frame = RawConnection.frameBytes(frameType, 0, 0, new byte[frameType == PING ? 8 : 0]);
    byte[] batch = new byte[frame.length * 1000];
    for (int i = 0; i < 1000; i++) {
      System.arraycopy(frame, 0, batch, i * frame.length, frame.length);
    }
    // The server stops reading once it has had enough: write from another thread, time-bounded.
    Thread flooder = new Thread(() -> {
      try {
        // 3 million frames: more acknowledgements than the kernel's socket buffers hold.
        for (int i = 0; i < 3000; i++) {
          c.write(batch);
        }
      } catch (IOException closed) {
        // The server gave up on us.
      }
    });
    flooder.setDaemon(true);
    flooder.start();
    flooder.join(20_000);
    wellBehavedClientIsServed(s);
    assertThat(memoryInUse() - before).isLessThan(MEMORY_BOUND);
    // Now read: the acknowledgements that made it out, then the close (Netty's limit closes at
    // once; a GOAWAY ENHANCE_YOUR_CALM is attempted but queued behind what we did not read).
    c.startReading();
    assertThat(c.awaitClosed(Duration.ofSeconds(20))).isTrue();
    RawConnection.Frame f = c.await(GOAWAY, Duration.ofMillis(1));
    if (f != null) {
      assertThat(f.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
    }
    assertThat(c.acks()).isLessThan(3_000_000);
  }

  @Test
  void settingsFloodWithoutReadingIsCapped() throws Exception {
    controlFloodWithoutReading(SETTINGS);
  }

  @Test
  void pingFloodWithoutReadingIsCapped() throws Exception {
    controlFloodWithoutReading(PING);
  }

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
      // 12 KB of header block: past the 8 KiB limit and Netty's 10 KiB GOAWAY threshold, and all of
      // it read by the server before it decides; the client then stops writing so that
      // no TCP reset races the GOAWAY (see pingFloodGetsTooManyPings).
      for (int i = 0; i < 12 && !c.isRefused(); i++) {
        c.frame(CONTINUATION, 0, id, chunk);
      }
    } catch (IOException closedByServer) {
      // Expected once the server has had enough.
    }
    RawConnection.Frame f = goAway(c);
    assertThat(f.errorCode()).isIn(Http2Error.PROTOCOL_ERROR.code(), ENHANCE_YOUR_CALM);
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
      // Just past the limit of 16, in one write: the server reads all of it before it closes
      // (unread bytes would make its close a reset, which can swallow the GOAWAY).
      ByteArrayOutputStream flood = new ByteArrayOutputStream();
      for (int i = 0; i < 20; i++) {
        flood.writeBytes(RawConnection.frameBytes(CONTINUATION, 0, id, new byte[0]));
      }
      c.write(flood.toByteArray());
    } catch (IOException closedByServer) {
      // Expected once the server has had enough.
    }
    assertThat(goAway(c).errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
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
    Server s = start(Server.builder().writeStallTimeout(Duration.ofSeconds(2)));
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
    Thread.sleep(1000);
    long during = memoryInUse() - before;
    wellBehavedClientIsServed(s);
    assertThat(during).isLessThan(MEMORY_BOUND);
    // The write-stall timeout closes the connection; reading now finds the end of the data.
    Thread.sleep(2500);
    c.startReading();
    assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
    assertThat(c.dataBytes()).isLessThan(200L << 20);
  }

  @Test
  void slowlorisWithoutPrefaceIsClosed() throws Exception {
    Server s = start(Server.builder().handshakeTimeout(Duration.ofMillis(500)));
    RawConnection silent = RawConnection.connect(s.port(), 0);
    toClose.add(silent);
    silent.startReading();
    RawConnection partial = RawConnection.connect(s.port(), 0);
    toClose.add(partial);
    partial.write("PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII));
    partial.startReading();
    assertThat(silent.awaitClosed(Duration.ofSeconds(5))).isTrue();
    assertThat(partial.awaitClosed(Duration.ofSeconds(5))).isTrue();
    wellBehavedClientIsServed(s);
  }

  @Test
  void slowTlsHandshakeIsClosed() throws Exception {
    TestCerts certs = TestCerts.get();
    Server s = start(Server.builder().handshakeTimeout(Duration.ofMillis(500))
        .tls(ServerTls.fromPem(certs.server.certChainPem(), certs.server.privateKeyPem())));
    RawConnection silent = RawConnection.connect(s.port(), 0);
    toClose.add(silent);
    silent.startReading();
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
    RawConnection third = attacker(s);
    assertThat(third.awaitClosed(Duration.ofSeconds(5))).isTrue();
    assertThat(b.isClosedByServer()).isFalse();
    b.close();
    // A slot is free again: a well-behaved client gets in.
    CountDownLatch freed = new CountDownLatch(1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && freed.getCount() > 0) {
      try {
        wellBehavedClientIsServed(s);
        freed.countDown();
      } catch (AssertionError | RuntimeException stillFull) {
        Thread.sleep(100);
      }
    }
    assertThat(freed.getCount()).isZero();
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
