package io.conduit.interop.peer;

import com.google.protobuf.ByteString;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.Payload;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A grpc-java server of {@code grpc.testing.TestService} (EmptyCall and UnaryCall) that reports
 * who it is: UnaryCall fills {@code server_id} and {@code hostname} when the request sets
 * {@code fill_server_id}. grpc-java's own TestServiceServer never fills them, so load-balancing
 * tests of a Conduit client over grpc-java servers use this one.
 *
 * <pre>
 * java -cp grpc-java-peer.jar:$(cat grpc-java.classpath) io.conduit.interop.peer.GrpcJavaIdServer \
 *     --address=127.0.0.2 --port=0 --server_id=b      (--address defaults to all interfaces)
 * </pre>
 *
 * <p>Prints {@code GrpcJavaIdServer listening on ADDRESS:PORT} once it serves (the real port when
 * given 0); stops on SIGTERM.
 */
public final class GrpcJavaIdServer {
  private static final String PROGRAM = "GrpcJavaIdServer";

  private GrpcJavaIdServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args, Set.of("address", "port", "server_id"));
    String address = flags.string("address", "0.0.0.0");
    int port = flags.integer("port", 8080, 0, 65535);
    InetSocketAddress bindAddress = new InetSocketAddress(address, port);
    if (bindAddress.isUnresolved()) {
      throw PeerFlags.usage(PROGRAM, "--address: unknown host " + address);
    }
    String serverId = flags.required("server_id");
    Server server = NettyServerBuilder.forAddress(bindAddress, InsecureServerCredentials.create())
        .addService(new IdService(serverId, hostname()))
        .build()
        .start();
    InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
    String where = bound.getAddress().getHostAddress() + ":" + bound.getPort();
    PeerServers.stopOnSigterm(server, "id-server-shutdown", () -> {});
    System.out.println(PROGRAM + " listening on " + where + " as server_id " + serverId);
    System.out.flush();
    server.awaitTermination();
  }

  /** This machine's name, without waiting on DNS where the kernel tells it. */
  private static String hostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    } catch (IOException | RuntimeException notLinux) {
      // fall back to the JDK
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  private static final class IdService extends TestServiceGrpc.TestServiceImplBase {
    private final String serverId;
    private final String hostname;

    IdService(String serverId, String hostname) {
      this.serverId = serverId;
      this.hostname = hostname;
    }

    @Override
    public void emptyCall(Empty request, StreamObserver<Empty> responses) {
      responses.onNext(Empty.getDefaultInstance());
      responses.onCompleted();
    }

    @Override
    public void unaryCall(SimpleRequest request, StreamObserver<SimpleResponse> responses) {
      if (request.getResponseSize() < 0) {
        responses.onError(Status.INVALID_ARGUMENT
            .withDescription("negative response_size").asRuntimeException());
        return;
      }
      SimpleResponse.Builder response = SimpleResponse.newBuilder();
      if (request.getResponseSize() > 0) {
        response.setPayload(Payload.newBuilder()
            .setBody(ByteString.copyFrom(new byte[request.getResponseSize()])));
      }
      if (request.getFillServerId()) {
        response.setServerId(serverId).setHostname(hostname);
      }
      responses.onNext(response.build());
      responses.onCompleted();
    }
  }
}
