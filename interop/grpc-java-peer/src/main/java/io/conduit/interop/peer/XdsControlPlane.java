package io.conduit.interop.peer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real xDS v3 management server: java-control-plane's {@code V3DiscoveryServer} (ADS) over its
 * {@code SimpleCache}, on grpc-java, on {@code 127.0.0.1} and an ephemeral port (or
 * {@code --port}). Every client, whatever its node, gets the same snapshot. It prints
 * {@code XdsControlPlane listening on 127.0.0.1:PORT}, then reads commands on stdin, a line each:
 *
 * <ul>
 *   <li>{@code SNAPSHOT VERSION JSON}: JSON is an object with the lists {@code listeners},
 *       {@code routes}, {@code clusters} and {@code endpoints}, each resource in Envoy's own JSON
 *       form (proto3 JSON; {@code typed_config} with its {@code @type}). Answers
 *       {@code OK VERSION}, or {@code ERROR message} for JSON that does not parse.</li>
 *   <li>{@code STOP}: the server goes away (its streams end); {@code START}: it comes back on the
 *       same port. Both answer {@code OK}.</li>
 * </ul>
 *
 * <p>Each discovery request a client sends is printed as one line, {@code REQUEST node=ID
 * type=TYPE_URL version=V nonce=N names=[...]}, with {@code error=MESSAGE} for a NACK: the tests
 * read from these what a client acknowledged and why it refused a resource.
 */
public final class XdsControlPlane {
  private static final String PROGRAM = "XdsControlPlane";
  private static final String GROUP = "all";
  private static final PrintStream OUT = System.out;

  private final SimpleCache<String> cache = new StateOfTheWorldCache();
  private final V3DiscoveryServer discovery = new V3DiscoveryServer(new Printer(), cache);
  private final JsonFormat.Parser parser = JsonFormat.parser().usingTypeRegistry(TypeRegistry
      .newBuilder()
      .add(HttpConnectionManager.getDescriptor())
      .add(Router.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.load_balancing_policies.client_side_weighted_round_robin
          .v3.ClientSideWeightedRoundRobin.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin
          .getDescriptor())
      .build());
  private int port;
  private Server server;

  private XdsControlPlane(int port) {
    this.port = port;
  }

  public static void main(String[] args) throws Exception {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args, Set.of("port"));
    XdsControlPlane plane = new XdsControlPlane(flags.integer("port", 0, 0, 65535));
    plane.start();
    say(PROGRAM + " listening on 127.0.0.1:" + plane.port);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      say(plane.command(line.trim()));
    }
    plane.stop();
  }

  private String command(String line) {
    try {
      if (line.equals("STOP")) {
        stop();
        return "OK";
      }
      if (line.equals("START")) {
        start();
        return "OK";
      }
      if (line.startsWith("SNAPSHOT ")) {
        String[] parts = line.split(" ", 3);
        if (parts.length < 3) {
          return "ERROR SNAPSHOT needs a version and the resources";
        }
        cache.setSnapshot(GROUP, snapshot(parts[1], parts[2]));
        return "OK " + parts[1];
      }
      return "ERROR unknown command: " + line;
    } catch (IOException | RuntimeException e) {
      return "ERROR " + e;
    }
  }

  private Snapshot snapshot(String version, String json) throws InvalidProtocolBufferException {
    com.google.gson.JsonObject root = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
    return Snapshot.create(
        parse(root, "clusters", Cluster::newBuilder),
        parse(root, "endpoints", ClusterLoadAssignment::newBuilder),
        parse(root, "listeners", Listener::newBuilder),
        parse(root, "routes", RouteConfiguration::newBuilder),
        List.of(),
        version);
  }

  @SuppressWarnings("unchecked")
  private <T extends Message> List<T> parse(com.google.gson.JsonObject root, String name,
      java.util.function.Supplier<? extends Message.Builder> builders)
      throws InvalidProtocolBufferException {
    List<T> resources = new ArrayList<>();
    if (root.has(name)) {
      for (com.google.gson.JsonElement element : root.getAsJsonArray(name)) {
        Message.Builder builder = builders.get();
        parser.merge(element.toString(), builder);
        resources.add((T) builder.build());
      }
    }
    return resources;
  }

  private synchronized void start() throws IOException {
    if (server != null) {
      return;
    }
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(discovery.getAggregatedDiscoveryServiceImpl())
        .build()
        .start();
    port = server.getPort();
  }

  private synchronized void stop() {
    if (server == null) {
      return;
    }
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server = null;
  }

  private static synchronized void say(String line) {
    OUT.println(line);
    OUT.flush();
  }

  /**
   * The snapshot cache, answering ADS requests as plain state-of-the-world ones: in ADS mode
   * java-control-plane holds back a response until the snapshot has every resource the request
   * names (Envoy's consistency wait), so a route to a cluster the snapshot lacks would get no
   * CDS answer at all; a client is then left to its does-not-exist timer for every cluster.
   */
  private static final class StateOfTheWorldCache extends SimpleCache<String> {
    StateOfTheWorldCache() {
      super(node -> GROUP);
    }

    @Override
    public io.envoyproxy.controlplane.cache.Watch createWatch(boolean ads,
        io.envoyproxy.controlplane.cache.XdsRequest request, Set<String> knownResourceNames,
        java.util.function.Consumer<io.envoyproxy.controlplane.cache.Response> responseConsumer,
        boolean hasClusterChanged, boolean allowDefaultEmptyEdsUpdate) {
      return super.createWatch(false, request, knownResourceNames, responseConsumer,
          hasClusterChanged, allowDefaultEmptyEdsUpdate);
    }
  }

  /** Prints each discovery request, NACKs with their error. */
  private static final class Printer implements DiscoveryServerCallbacks {
    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
      StringBuilder line = new StringBuilder("REQUEST node=").append(request.getNode().getId())
          .append(" type=").append(request.getTypeUrl())
          .append(" version=").append(request.getVersionInfo())
          .append(" nonce=").append(request.getResponseNonce())
          .append(" names=").append(request.getResourceNamesList());
      if (request.hasErrorDetail()) {
        line.append(" error=").append(request.getErrorDetail().getMessage().replace('\n', ' '));
      }
      say(line.toString());
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
      say("REQUEST delta node=" + request.getNode().getId() + " type=" + request.getTypeUrl());
    }
  }
}
