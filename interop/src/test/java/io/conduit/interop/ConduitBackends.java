package io.conduit.interop;

import io.conduit.Server;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Conduit interop servers on distinct loopback addresses (127.0.0.1, 127.0.0.2, ...), each with a
 * server_id of its own ({@code ID_PREFIX + n}): the backends of the load-balancing tests.
 */
final class ConduitBackends implements AutoCloseable {
  private final List<TestServiceImpl> services = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  /** Where each server listens, kept for a restart on the same port. */
  private final List<InetSocketAddress> addresses = new ArrayList<>();

  private ConduitBackends() {}

  /** {@code count} servers on 127.0.0.1 ... 127.0.0.{count}, each on an ephemeral port. */
  static ConduitBackends start(int count, String idPrefix) {
    ConduitBackends backends = new ConduitBackends();
    try {
      for (int i = 1; i <= count; i++) {
        backends.add("127.0.0." + i, 0, idPrefix + i);
      }
    } catch (RuntimeException e) {
      backends.close();
      throw e;
    }
    return backends;
  }

  /**
   * {@code count} servers on 127.0.0.1 ... 127.0.0.{count} that share one port (free on the
   * first address, tried on the others; a few attempts), for targets that name no port.
   */
  static ConduitBackends startOnOnePort(int count, String idPrefix) {
    UncheckedIOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      ConduitBackends backends = new ConduitBackends();
      try {
        backends.add("127.0.0.1", 0, idPrefix + 1);
        int port = backends.servers.get(0).port();
        for (int i = 2; i <= count; i++) {
          backends.add("127.0.0." + i, port, idPrefix + i);
        }
        return backends;
      } catch (UncheckedIOException e) {
        // The port is taken on another address: try another one.
        last = e;
        backends.close();
      }
    }
    throw last;
  }

  private void add(String address, int port, String serverId) {
    TestServiceImpl service = new TestServiceImpl(serverId);
    services.add(service);
    Server server = InteropServer.builder(service).bind(address, port).build().start();
    servers.add(server);
    addresses.add((InetSocketAddress) server.localAddress());
  }

  List<String> serverIds() {
    return services.stream().map(TestServiceImpl::serverId).toList();
  }

  /** The address of the n-th server (from 0). */
  InetSocketAddress address(int n) {
    return addresses.get(n);
  }

  /** Closes the n-th server (from 0): its connections close, its port is free. */
  void stop(int n) {
    servers.get(n).close();
  }

  /** Starts the n-th server again, on the address and port it had. */
  void restart(int n) {
    InetSocketAddress a = address(n);
    servers.set(n, InteropServer.builder(services.get(n))
        .bind(a.getAddress().getHostAddress(), a.getPort()).build().start());
  }

  /** The port of the n-th server (from 0). */
  int port(int n) {
    return servers.get(n).port();
  }

  /** {@code ipv4:127.0.0.1:P1,127.0.0.2:P2,...}. */
  String ipv4Target() {
    return "ipv4:" + servers.stream()
        .map(s -> {
          InetSocketAddress a = (InetSocketAddress) s.localAddress();
          return a.getAddress().getHostAddress() + ":" + a.getPort();
        })
        .collect(Collectors.joining(","));
  }

  @Override
  public void close() {
    servers.forEach(Server::close);
    services.forEach(TestServiceImpl::close);
  }
}
