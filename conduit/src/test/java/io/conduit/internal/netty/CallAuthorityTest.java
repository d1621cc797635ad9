package io.conduit.internal.netty;

import static io.conduit.testing.RawConnection.DATA;
import static io.conduit.testing.RawConnection.END_HEADERS;
import static io.conduit.testing.RawConnection.END_STREAM;
import static io.conduit.testing.RawConnection.HEADERS;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import io.conduit.ServerCallInfo;
import io.conduit.ServiceDefinition;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.RawConnection;
import io.conduit.testing.RawHttp2Client;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each call sees the :authority it was sent with, also when calls on one connection differ. */
@Timeout(30)
class CallAuthorityTest {

  @Test
  void eachCallOnAConnectionSeesItsOwnAuthority() throws Exception {
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    ServiceDefinition svc = ServiceDefinition.builder("test.Abuse")
        .method(AbuseTest.UNARY, ServerCalls.unary((req, out) -> {
          seen.add(String.valueOf(ServerCallInfo.current().authority()));
          out.onNext(req);
          out.onCompleted();
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        RawConnection c = RawConnection.open(server.port())) {
      List<String> got = new ArrayList<>();
      // One at a time, so the handler sees them in this order.
      for (String authority : List.of("a.example:443", "a.example:443", "b.example", "a.example:443")) {
        int id = c.newStreamId();
        c.frame(HEADERS, END_HEADERS, id, c.encode(
            RawHttp2Client.grpcHeaders("/test.Abuse/Unary").authority(authority)));
        c.frame(DATA, END_STREAM, id, RawConnection.grpcMessage("x".getBytes(StandardCharsets.UTF_8)));
        got.add(seen.poll(10, TimeUnit.SECONDS));
      }
      assertThat(got).containsExactly("a.example:443", "a.example:443", "b.example", "a.example:443");
    }
  }
}
