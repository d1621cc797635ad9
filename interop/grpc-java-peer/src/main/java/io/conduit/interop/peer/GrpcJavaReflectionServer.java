package io.conduit.interop.peer;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ChannelzService;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.testing.integration.TestServiceImpl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A grpc-java server with the services of Conduit's interop server, registered in the same order
 * (grpc.testing.TestService, grpc.health.v1.Health, grpc-java's own server reflection v1 and
 * v1alpha, channelz): what the reflection tests compare Conduit's reflection with.
 *
 * <pre>
 * java -cp grpc-java-peer.jar:$(cat grpc-java.classpath) io.conduit.interop.peer.GrpcJavaReflectionServer --port=0
 * </pre>
 *
 * <p>Prints {@code GrpcJavaReflectionServer listening on 127.0.0.1:PORT} once it serves; stops on
 * SIGTERM.
 */
public final class GrpcJavaReflectionServer {
  private static final String PROGRAM = "GrpcJavaReflectionServer";

  private GrpcJavaReflectionServer() {}

  @SuppressWarnings("deprecation") // ProtoReflectionService is v1alpha, kept for older clients.
  public static void main(String[] args) throws IOException, InterruptedException {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args, Set.of("port"));
    int port = flags.integer("port", 0, 0, 65535);
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port),
            InsecureServerCredentials.create())
        .addService(new TestServiceImpl(executor))
        .addService(new HealthStatusManager().getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(ProtoReflectionService.newInstance())
        .addService(ChannelzService.newInstance(100))
        .build()
        .start();
    InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
    PeerServers.stopOnSigterm(server, "reflection-server-shutdown", executor::shutdownNow);
    System.out.println(PROGRAM + " listening on 127.0.0.1:" + bound.getPort());
    System.out.flush();
    server.awaitTermination();
  }
}
