package io.conduit.internal.inprocess;

import io.conduit.InProcessSocketAddress;

import io.conduit.internal.transport.ServerTransport;
import io.conduit.internal.transport.ServerTransportListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A server's in-process endpoint: a name in this JVM that {@code inprocess:name} channels
 * connect to, without sockets or HTTP/2.
 */
public final class InProcessServerTransport implements ServerTransport {
  private static final ConcurrentMap<String, InProcessServerTransport> REGISTRY = new ConcurrentHashMap<>();

  private final InProcessSocketAddress address;
  private final int maxInboundMessageSize;
  private final Object lock = new Object();
  private final Set<InProcessConnection> connections = new HashSet<>();
  private final List<Runnable> terminationTasks = new ArrayList<>();
  private ServerTransportListener streams;
  private boolean shutdown;

  public InProcessServerTransport(InProcessSocketAddress address, int maxInboundMessageSize) {
    this.address = address;
    this.maxInboundMessageSize = maxInboundMessageSize;
  }

  /** The server registered under {@code name}, or null. */
  static InProcessServerTransport find(String name) {
    return REGISTRY.get(name);
  }

  @Override
  public void start(ServerTransportListener streams) {
    this.streams = streams;
    if (REGISTRY.putIfAbsent(address.name(), this) != null) {
      synchronized (lock) {
        shutdown = true;
      }
      throw new UncheckedIOException("failed to bind " + address + ": the name is in use",
          new IOException("in-process name in use: " + address.name()));
    }
  }

  InProcessSocketAddress address() {
    return address;
  }

  int maxInboundMessageSize() {
    return maxInboundMessageSize;
  }

  ServerTransportListener streams() {
    return streams;
  }

  /** Takes a new connection; null once shut down. */
  InProcessConnection accept(String authority, io.conduit.internal.transport.ClientConnection.Listener listener) {
    synchronized (lock) {
      if (shutdown) {
        return null;
      }
      InProcessConnection c = new InProcessConnection(this, authority, listener);
      connections.add(c);
      return c;
    }
  }

  void connectionClosed(InProcessConnection c) {
    List<Runnable> tasks = List.of();
    synchronized (lock) {
      connections.remove(c);
      if (shutdown && connections.isEmpty()) {
        tasks = List.copyOf(terminationTasks);
        terminationTasks.clear();
      }
    }
    tasks.forEach(Runnable::run);
  }

  @Override
  public SocketAddress localAddress() {
    return address;
  }

  @Override
  public void shutdown() {
    for (InProcessConnection c : stop()) {
      c.shutdown();
    }
    maybeTerminated();
  }

  @Override
  public void shutdownNow() {
    for (InProcessConnection c : stop()) {
      c.shutdownNow();
    }
    maybeTerminated();
  }

  private List<InProcessConnection> stop() {
    REGISTRY.remove(address.name(), this);
    synchronized (lock) {
      shutdown = true;
      return List.copyOf(connections);
    }
  }

  private void maybeTerminated() {
    connectionClosed(null);
  }

  @Override
  public void whenTerminated(Runnable task) {
    boolean now;
    synchronized (lock) {
      now = shutdown && connections.isEmpty();
      if (!now) {
        terminationTasks.add(task);
      }
    }
    if (now) {
      task.run();
    }
  }

  @Override
  public String toString() {
    return address.toString();
  }
}
