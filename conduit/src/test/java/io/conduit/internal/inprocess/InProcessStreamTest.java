package io.conduit.internal.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.InProcessSocketAddress;
import io.conduit.Marshaller;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.internal.transport.ClientConnection;
import io.conduit.internal.transport.ClientStream;
import io.conduit.internal.transport.ClientStreamListener;
import io.conduit.internal.transport.InboundMessage;
import io.conduit.internal.transport.ServerStream;
import io.conduit.internal.transport.ServerStreamListener;
import io.conduit.internal.transport.StreamRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InProcessStreamTest {
  private static final Marshaller<String> TEXT = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  private static final MethodDescriptor<String, String> METHOD =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Service/Unary", TEXT, TEXT);

  private final ExecutorService threads = Executors.newFixedThreadPool(2);

  @AfterEach
  void stopThreads() throws Exception {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * The client's half-close and the server's request for the message race on two threads: the
   * server must still hear the message before the end (a unary handler that hears the end first
   * fails the call with "half-closed without a request", as once in CI).
   */
  @Test
  void aMessageIsNeverOvertakenByTheEndThatFollowsIt() throws Exception {
    for (int i = 0; i < 3000; i++) {
      List<String> events = new CopyOnWriteArrayList<>();
      AtomicReference<ServerStream> serverEnd = new AtomicReference<>();
      InProcessServerTransport transport = new InProcessServerTransport(
          new InProcessSocketAddress("stream-test-" + i), -1);
      transport.start((stream, path, headers) -> {
        serverEnd.set(stream);
        stream.setListener(new Recorder(events));
      });
      InProcessConnection connection = new InProcessConnection(transport, "localhost", IGNORED);
      ClientStream client = connection.newStream(
          new StreamRequest(METHOD, new Metadata(), null, null, -1, -1));
      client.start(SILENT);
      client.writeMessage("hello");
      CyclicBarrier both = new CyclicBarrier(2);
      Future<?> clientSide = threads.submit(() -> {
        both.await();
        client.halfClose();
        return null;
      });
      Future<?> serverSide = threads.submit(() -> {
        both.await();
        serverEnd.get().request(2);
        return null;
      });
      clientSide.get(10, TimeUnit.SECONDS);
      serverSide.get(10, TimeUnit.SECONDS);
      transport.shutdownNow();
      assertThat(events).as("round " + i).containsExactly("message", "halfClosed");
    }
  }

  private record Recorder(List<String> events) implements ServerStreamListener {
    @Override
    public void messageRead(InboundMessage message) {
      events.add("message");
    }

    @Override
    public void halfClosed() {
      events.add("halfClosed");
    }

    @Override
    public void onReady() {}

    @Override
    public void cancelled(Status reason) {}

    @Override
    public void completed() {}
  }

  private static final ClientConnection.Listener IGNORED = new ClientConnection.Listener() {
    @Override
    public void connectionReady(ClientConnection transport) {}

    @Override
    public void connectionUnusable(ClientConnection transport) {}

    @Override
    public void connectionClosed(ClientConnection transport, Status reason) {}
  };

  private static final ClientStreamListener SILENT = new ClientStreamListener() {
    @Override
    public void headersRead(Metadata headers) {}

    @Override
    public void messageRead(InboundMessage message) {}

    @Override
    public void onReady() {}

    @Override
    public void closed(Status status, Metadata trailers, boolean refused) {}
  };
}
