package io.conduit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.BlockingCall;
import io.conduit.stub.BlockingIterator;
import io.grpc.benchmarks.proto.BenchmarkServiceRpc;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The benchmark service answers every kind of call as grpc-java's AsyncServer does, and the load
 * client prints AsyncClient's result lines. Not a benchmark: a few calls of each kind.
 */
@Timeout(60)
class BenchmarkServiceSmokeTest {
  private Server server;
  private Channel channel;
  private BenchmarkServiceRpc.BlockingClient client;

  @BeforeEach
  void start() {
    server = Server.builder().bind("127.0.0.1", 0).service(new BenchmarkServiceImpl())
        .directExecutor().build().start();
    channel = LoadClient.newChannel(Flags.address("127.0.0.1:" + server.port()), true);
    client = BenchmarkServiceRpc.newBlockingClient(channel).withDeadline(Duration.ofSeconds(20));
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.close();
    server.shutdownNow();
    server.awaitTermination(Duration.ofSeconds(10));
  }

  @Test
  void unaryCallAnswersWithTheRequestedSize() {
    assertThat(client.unaryCall(Messages.request(10, 0))).isEqualTo(SimpleResponse.getDefaultInstance());
    for (int size : new int[] {1, 1000, 1024 * 1024}) {
      SimpleResponse response = client.unaryCall(Messages.request(size, size));
      assertThat(response.getPayload().getBody().size()).isEqualTo(size);
    }
  }

  @Test
  void streamingCallIsPingPong() {
    try (BlockingCall<SimpleRequest, SimpleResponse> call = client.streamingCall()) {
      for (int size : new int[] {0, 7, 70_000}) {
        call.send(Messages.request(0, size));
        assertThat(call.read().getPayload().getBody().size()).isEqualTo(size);
      }
      call.halfClose();
      assertThat(call.read()).isNull();
    }
  }

  @Test
  void streamingFromClientAnswersTheLastRequest() {
    BlockingCall<SimpleRequest, SimpleResponse> call = client.streamingFromClient();
    call.send(Messages.request(0, 3));
    call.send(Messages.request(0, 5));
    assertThat(call.finish().getPayload().getBody().size()).isEqualTo(5);

    BlockingCall<SimpleRequest, SimpleResponse> empty = client.streamingFromClient();
    assertThatThrownBy(empty::finish).isInstanceOfSatisfying(StatusException.class,
        e -> assertThat(e.status().code()).isEqualTo(Status.Code.FAILED_PRECONDITION));
  }

  @Test
  void streamingFromServerSendsUntilCancelled() {
    try (BlockingIterator<SimpleResponse> responses =
        client.streamingFromServer(Messages.request(0, 100))) {
      for (int i = 0; i < 1000; i++) {
        assertThat(responses.next().getPayload().getBody().size()).isEqualTo(100);
      }
    }
  }

  @Test
  void streamingBothWaysSendsUntilCancelled() {
    try (BlockingCall<SimpleRequest, SimpleResponse> call = client.streamingBothWays()) {
      call.send(Messages.request(0, 0));
      for (int i = 0; i < 1000; i++) {
        assertThat(call.read().getPayload().getBody().size()).isEqualTo(100);
      }
    }
  }

  @Test
  void loadClientPrintsAsyncClientsResultLines() throws Exception {
    for (String mode : new String[] {"--outstanding_rpcs=4", "--streaming_rpcs"}) {
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      PrintStream out = System.out;
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        new LoadClient(new Flags("--address=127.0.0.1:" + server.port(), "--channels=2", mode,
            "--duration=1", "--warmup_duration=0", "--directexecutor", "--transport=netty_nio"))
            .run();
      } finally {
        System.setOut(out);
      }
      String text = captured.toString(StandardCharsets.UTF_8);
      assertThat(text).contains("Channels:                       2")
          .containsPattern("50%ile Latency \\(in micros\\):\\s+\\d+")
          .containsPattern("99%ile Latency \\(in micros\\):\\s+\\d+")
          .containsPattern("99.9%ile Latency \\(in micros\\):\\s+\\d+")
          .containsPattern("Maximum Latency \\(in micros\\):\\s+\\d+");
      assertThat(Long.parseLong(text.replaceAll("(?s).*QPS:\\s+(\\d+).*", "$1"))).isPositive();
    }
  }
}
