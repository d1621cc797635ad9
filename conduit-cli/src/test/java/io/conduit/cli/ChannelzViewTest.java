package io.conduit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.examples.helloworld.GreeterServer;
import io.conduit.services.channelz.Channelz;
import io.conduit.stub.ClientCalls;
import io.grpc.examples.helloworld.GreeterRpc;
import io.grpc.examples.helloworld.HelloRequest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code conduit channelz} against the greeter example's server (which serves the process's
 * channelz) and a channel this JVM tracks to it: two calls that succeed, one that fails.
 */
@Timeout(60)
class ChannelzViewTest {
  private static final MethodDescriptor<byte[], byte[]> MISSING = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "helloworld.Greeter/Missing", Marshaller.ofBytes(b -> b, b -> b),
      Marshaller.ofBytes(b -> b, b -> b));

  /** The table row (split on blanks) whose column {@code column} is {@code value}. */
  private static String[] row(Run run, int column, String value) {
    List<String[]> rows = run.out().lines().skip(1).map(l -> l.trim().split("\\s+"))
        .filter(r -> r.length > column && r[column].equals(value)).toList();
    assertThat(rows).as(run.out()).hasSize(1);
    return rows.get(0);
  }

  private static Run ok(String... args) {
    Run run = Run.of(args);
    assertThat(run.exit()).as(run.err()).isZero();
    return run;
  }

  @Test
  void subchannelsAndSocketsOfATrackedChannelAndItsServer() {
    try (Server server = GreeterServer.builder(0).build().start();
        Channel channel = Channelz.get().track(Channel.forAddress("127.0.0.1", server.port()).plaintext())) {
      GreeterRpc.BlockingClient greeter = GreeterRpc.newBlockingClient(channel);
      for (String name : List.of("a", "b")) {
        assertThat(greeter.sayHello(HelloRequest.newBuilder().setName(name).build()).getMessage())
            .isEqualTo("Hello " + name);
      }
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, MISSING, CallOptions.DEFAULT, new byte[0]))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
      String target = "127.0.0.1:" + server.port();

      Run channels = ok("channelz", target, "channels", "--plaintext");
      assertThat(channels.out()).startsWith("CHANNEL_ID");
      String[] ch = channels.out().lines().skip(1).map(l -> l.trim().split("\\s+"))
          .filter(r -> r[1].endsWith(target)).findFirst().orElseThrow();
      assertThat(Arrays.copyOfRange(ch, 2, 6)).containsExactly("READY", "3", "2", "1");

      Run subchannels = ok("channelz", target, "subchannels", ch[0], "--plaintext");
      assertThat(subchannels.out()).startsWith("SUBCHANNEL_ID");
      assertThat(subchannels.out().lines()).hasSize(2);
      String[] sc = row(subchannels, 1, ch[0]);
      assertThat(sc[2]).endsWith(target);
      assertThat(Arrays.copyOfRange(sc, 3, 7)).containsExactly("READY", "3", "2", "1");
      String clientSocket = sc[8];
      assertThat(clientSocket).matches("[0-9]+");
      // Without an id: every channel's, this one's among them (its last call dated anew, by the
      // wall clock of that answer).
      String[] again = row(ok("channelz", target, "subchannels", "--plaintext"), 0, sc[0]);
      assertThat(Arrays.copyOfRange(again, 0, 7)).containsExactly(Arrays.copyOfRange(sc, 0, 7));
      assertThat(again[8]).isEqualTo(clientSocket);

      Run sockets = ok("channelz", target, "sockets", "--plaintext");
      assertThat(sockets.out()).startsWith("SOCKET_ID");
      // SOCKET_ID, OF (two words), LOCAL, REMOTE, STREAMS, SUCCEEDED, FAILED, MSG_SENT, MSG_RECV,
      // KEEPALIVES, SECURITY.
      String[] client = row(sockets, 0, clientSocket);
      assertThat(client[1] + " " + client[2]).isEqualTo("subchannel " + sc[0]);
      assertThat(client[4]).isEqualTo(target);
      assertThat(Arrays.copyOfRange(client, 5, 8)).containsExactly("3", "2", "1");
      // The missing method's request may not have left before the server's UNIMPLEMENTED came.
      assertThat(client[8]).isIn("2", "3");
      assertThat(client[9]).isEqualTo("2");
      assertThat(client[11]).isEqualTo("plaintext");
      // The server's side of the same connection: found by its remote address.
      String[] served = row(sockets, 4, client[3]);
      assertThat(served[1]).isEqualTo("server");
      assertThat(served[3]).isEqualTo(target);
      assertThat(Arrays.copyOfRange(served, 5, 8)).containsExactly("3", "2", "1");
      assertThat(served[9]).as("the request of the call to a missing method is not read").isEqualTo("2");

      String serverId = served[2];
      Run servers = ok("channelz", target, "servers", "--plaintext");
      assertThat(row(servers, 0, serverId)[1]).endsWith(":" + server.port());
      Run ofServer = ok("channelz", target, "sockets", serverId, "--plaintext");
      assertThat(row(ofServer, 0, served[0])).containsExactly(served);
      assertThat(ofServer.out()).doesNotContain("subchannel ");

      Run socket = ok("channelz", target, "socket", clientSocket, "--plaintext");
      assertThat(socket.out()).contains("\"socketId\":\"" + clientSocket + "\"", "\"streamsStarted\":\"3\"",
          "\"streamsSucceeded\":\"2\"", "\"streamsFailed\":\"1\"", "\"localFlowControlWindow\"");
      Run subchannel = ok("channelz", target, "subchannel", sc[0], "--plaintext");
      assertThat(subchannel.out()).contains("\"callsStarted\":\"3\"", "\"socketRef\"");

      Run bad = Run.of("channelz", target, "sockets", "x", "--plaintext");
      assertThat(bad.exit()).isEqualTo(Main.BAD_INPUT);
    }
  }
}
