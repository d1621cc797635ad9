package io.conduit.internal;

import io.conduit.Marshaller;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServerInterceptor;
import io.conduit.ServiceDefinition;
import io.conduit.stub.ServerCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test backend: a Conduit server whose one method answers with the backend's id, counting the
 * calls it serves and the client connections (remote addresses) they came over. Requests
 * {@code "sleep:MS"} sleep before answering; {@code "hold"} waits for {@link #releaseHeld()} or
 * {@link #release()}, so that a test holds a call in flight for as long as it needs, without
 * guessing a duration.
 */
final class Backend implements AutoCloseable {
  static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  static final MethodDescriptor<String, String> WHO =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Backend/Who", STRING, STRING);

  final String id;
  final AtomicInteger calls = new AtomicInteger();
  /** Calls that asked to be held and have not been released yet. */
  final AtomicInteger held = new AtomicInteger();
  private final java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(0);
  private volatile boolean releasedAll;
  private volatile boolean holdingAll;
  /** The client side (ip:port) of every connection a call arrived on. */
  final Set<SocketAddress> clients = ConcurrentHashMap.newKeySet();
  private final SocketAddress bindAddress;
  private volatile Server server;

  private Backend(String id, SocketAddress bindAddress) {
    this.id = id;
    this.bindAddress = bindAddress;
  }

  /** A backend on {@code host}, on a free port when {@code port} is 0. */
  static Backend start(String id, String host, int port) {
    return start(id, new InetSocketAddress(host, port));
  }

  static Backend start(String id, SocketAddress address) {
    Backend b = new Backend(id, address);
    b.server = b.newServer(address).start();
    return b;
  }

  private Server newServer(SocketAddress address) {
    ServiceDefinition service = ServiceDefinition.builder("test.Backend")
        .method(WHO, ServerCalls.unary((req, out) -> {
          if (req.equals("hold") || holdingAll) {
            held.incrementAndGet();
            try {
              if (!releasedAll) {
                permits.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS);
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          } else if (req.startsWith("sleep:")) {
            try {
              // Service time, not a wait: load tests keep calls in flight on every backend.
              Thread.sleep(Long.parseLong(req.substring(6)));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          out.onNext(id);
          out.onCompleted();
        }))
        .build();
    ServerInterceptor counter = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        calls.incrementAndGet();
        clients.add(call.remoteAddress());
        return next.startCall(call, headers);
      }
    };
    return Server.builder().address(address).service(service).intercept(counter).build();
  }

  /**
   * Lets the calls held now answer: exactly those, so that no permit is left over for a later
   * call, and {@link #held} drops to 0 at once (a call released here no longer counts as held,
   * even before its handler wakes up).
   */
  void releaseHeld() {
    permits.release(held.getAndSet(0));
  }

  /**
   * Holds every call from now on, whatever it asks, until {@link #release()} or {@link #kill()}:
   * so that a test kills the backend with calls certainly in flight.
   */
  void holdAll() {
    holdingAll = true;
  }

  /** Lets held calls, and all later ones, answer. */
  void release() {
    releasedAll = true;
    permits.release(Integer.MAX_VALUE / 2);
  }

  Server server() {
    return server;
  }

  int port() {
    return server.port();
  }

  /** The bound address (with the real port). */
  SocketAddress address() {
    return server.localAddress();
  }

  /** {@code ip:port} as in an {@code ipv4:} target. */
  String hostPort() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    return ChannelImpl.hostPort(a.getAddress().getHostAddress(), a.getPort());
  }

  /** Stops at once: connections close, in-flight calls (held ones too) are cancelled. */
  void kill() throws InterruptedException {
    server.shutdownNow();
    // The connections close on their event loops, a moment later: held calls are let go only
    // once they are gone, or a held call could still answer.
    io.conduit.testing.Await.until("the connections of backend " + id + " closed",
        Duration.ofSeconds(10), () -> openConnections() == 0);
    holdingAll = false;
    release();
    if (!server.awaitTermination(Duration.ofSeconds(5))) {
      throw new AssertionError("backend " + id + " did not terminate");
    }
  }

  /**
   * Stops as a rolling restart does: no new calls (GOAWAY), calls in flight finish, then the
   * connections close.
   */
  void stopGracefully(Duration bound) throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(bound)) {
      throw new AssertionError("backend " + id + " did not drain within " + bound);
    }
  }

  /** Starts again on the same address and port. */
  void restart() {
    server = newServer(server.localAddress()).start();
  }

  /**
   * Connections this backend has accepted and not yet closed, as the kernel sees them
   * ({@code /proc/net/tcp}): ESTABLISHED or CLOSE_WAIT sockets whose local end is the server's.
   */
  int openConnections() {
    return openServerSockets((InetSocketAddress) server.localAddress());
  }

  static int openServerSockets(InetSocketAddress local) {
    byte[] ip = local.getAddress().getAddress();
    String port = String.format(":%04X", local.getPort());
    if (ip.length == 4) {
      // The JDK's sockets are usually dual-stack: an IPv4 peer then shows as ::ffff:a.b.c.d.
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(ip, 0, mapped, 12, 4);
      return count(Path.of("/proc/net/tcp"), procAddress(ip) + port)
          + count(Path.of("/proc/net/tcp6"), procAddress(mapped) + port);
    }
    return count(Path.of("/proc/net/tcp6"), procAddress(ip) + port);
  }

  private static int count(Path table, String wanted) {
    try {
      List<String> lines = Files.readAllLines(table);
      int n = 0;
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        // f[1] local, f[2] remote, f[3] state: 01 ESTABLISHED, 08 CLOSE_WAIT
        if (f[1].equalsIgnoreCase(wanted) && (f[3].equals("01") || f[3].equals("08"))) {
          n++;
        }
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The address as /proc/net/tcp prints it: each 32-bit word in host (little-endian) order. */
  private static String procAddress(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (int word = 0; word < b.length; word += 4) {
      for (int i = 3; i >= 0; i--) {
        sb.append(String.format("%02X", b[word + i] & 0xff));
      }
    }
    return sb.toString();
  }

  @Override
  public void close() {
    release();
    Server s = server;
    if (s != null) {
      s.shutdownNow();
      try {
        s.awaitTermination(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "Backend[" + id + " " + bindAddress + "]";
  }
}
