package io.conduit.internal.netty;

import static io.conduit.testing.RawConnection.PING;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.FakeClock;
import io.conduit.testing.RawConnection;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that floods control frames and reads nothing: the acknowledgements are capped, as
 * {@link AbuseTest} checks for the other abuses. One frame type per subclass, so that the two
 * floods (the slowest tests of the module, bound by the kernel's socket buffers) can run in
 * parallel test JVMs.
 */
@Timeout(150)
abstract class ControlFrameFloodTest {
  private Server server;
  private RawConnection client;

  /** The frame type of the flood: SETTINGS or PING. */
  abstract int frameType();

  @AfterEach
  void closeAll() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void floodWithoutReadingIsCapped() throws Exception {
    int frameType = frameType();
    // Pings are allowed at any rate and the write-stall timeout is far away, so that only the
    // queue limit (the default) can stop this client.
    ServiceDefinition unary = ServiceDefinition.builder("test.Abuse")
        .method(AbuseTest.UNARY, ServerCalls.unary((req, out) -> {
          out.onNext(req);
          out.onCompleted();
        }))
        .build();
    // Nothing else may end the connection before the limit trips. The server's timers run on a
    // fake clock. The keepalive timeout is also the socket's TCP_USER_TIMEOUT, and Linux applies
    // that to a peer that advertises a zero window, as this client does: at the default 20 s a
    // slow server (one whose classes a fuzz test's agent had instrumented) was reset by its
    // kernel mid-flood, and the client lost the GOAWAY it had not read.
    Server s = Server.builder()
        .permitKeepAliveTime(Duration.ZERO).permitKeepAliveWithoutCalls(true)
        .keepAliveTimeout(Duration.ofMinutes(5))
        .writeStallTimeout(Duration.ofMinutes(5)).clock(new FakeClock())
        .bind("127.0.0.1", 0).service(unary).build().start();
    server = s;
    long before = AbuseTest.memoryInUse();
    RawConnection c = RawConnection.connect(s.port(), 4096);
    client = c;
    c.preface();
    byte[] frame = RawConnection.frameBytes(frameType, 0, 0, new byte[frameType == PING ? 8 : 0]);
    byte[] batch = new byte[frame.length * 1000];
    for (int i = 0; i < 1000; i++) {
      System.arraycopy(frame, 0, batch, i * frame.length, frame.length);
    }
    // The flood goes at the pace the server takes it: write from another thread.
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
    // The server's kernel takes MiBs of acknowledgements first (the send buffer grows up to
    // tcp_wmem's maximum); only then do they queue in the server, and the limit trips. From then
    // on the server discards what the flooder sends, and the flooder soon finishes.
    flooder.join(90_000);
    assertThat(flooder.isAlive()).as("the server stopped taking the flood").isFalse();
    AbuseTest.wellBehavedClientIsServed(s);
    assertThat(AbuseTest.memoryInUse() - before).isLessThan(AbuseTest.MEMORY_BOUND);
    // Now read: the acknowledgements that made it out, the GOAWAY queued behind them (the server
    // has waited for us to take it), then the server's end of the connection.
    c.startReading();
    RawConnection.Frame f = AbuseTest.goAway(c);
    assertThat(f.errorCode()).isEqualTo(AbuseTest.ENHANCE_YOUR_CALM);
    assertThat(c.awaitClosed(Duration.ofSeconds(20))).isTrue();
    assertThat(c.acks()).isLessThan(3_000_000);
  }
}
