package io.conduit.internal;

import io.conduit.Clock;
import io.conduit.Metadata;
import io.conduit.ServerCallTracer;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.internal.inprocess.InProcessServerTransport;
import io.conduit.InProcessSocketAddress;
import io.conduit.internal.netty.AbuseLimits;
import io.conduit.internal.netty.NettyServerTransport;
import io.conduit.internal.transport.ServerStream;
import io.conduit.internal.transport.ServerTransport;
import io.conduit.internal.transport.ServerTransportListener;
import io.conduit.internal.web.WebProtocols;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The machinery behind {@link io.conduit.Server}: its transport hands it each new stream, and it
 * finds the method, starts the call on the handler executor, and keeps the server's lifecycle.
 */
public final class ServerImpl implements ServerTransportListener {

  /** Everything the builder configured. */
  public record Config(SocketAddress address, List<ServiceDefinition> services, Executor executor,
      boolean directExecutor, int maxInboundMessageSize, int maxConcurrentStreams,
      int maxHeaderListSize, Duration keepAliveTime, Duration keepAliveTimeout,
      Duration permitKeepAliveTime, boolean permitKeepAliveWithoutCalls,
      Duration maxConnectionIdle, Duration maxConnectionAge, Duration maxConnectionAgeGrace,
      io.conduit.internal.netty.TlsContext tls, Duration handshakeTimeout, Duration writeStallTimeout,
      int maxConnections, AbuseLimits limits, List<ServerCallTracer.Factory> tracers,
      io.conduit.Clock clock, io.conduit.WebOptions web, int maxQueuedCalls,
      int maxConcurrentCalls) {}

  private final MethodRegistry methods;
  private final List<ServerCallTracer.Factory> tracers;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  /**
   * Health checks' own thread, or null (direct execution, or no health service): a load
   * balancer must hear how the server is even while every handler thread is busy, so health
   * calls neither wait behind other calls nor are shed. Its handler only reads a status map.
   */
  private final ExecutorService healthExecutor;
  /** Load shedding; null with direct execution and no concurrency limit. */
  private final AdmissionControl admission;
  private final Clock clock;
  private final ServerTransport transport;
  private final Object lock = new Object();
  private boolean started;
  private boolean shutdown;
  private boolean terminated;

  public ServerImpl(Config config) {
    this.methods = new MethodRegistry(config.services());
    this.tracers = config.tracers();
    DefaultExecutors.Choice handlers =
        DefaultExecutors.Choice.of(config.directExecutor(), config.executor(), "conduit-handler");
    this.executor = handlers.executor();
    this.ownedExecutor = handlers.owned();
    boolean direct = handlers.executor() == null;
    this.healthExecutor = !direct && config.services().stream()
        .anyMatch(s -> s.name().equals(io.conduit.health.Health.SERVICE_NAME))
        ? DefaultExecutors.newSingleThread("conduit-health") : null;
    this.admission = direct && config.maxConcurrentCalls() == 0 ? null
        : new AdmissionControl(direct ? Integer.MAX_VALUE : config.maxQueuedCalls(),
            config.maxConcurrentCalls());
    this.clock = config.clock();
    this.transport = config.address() instanceof InProcessSocketAddress inProcess
        ? new InProcessServerTransport(inProcess, config.maxInboundMessageSize())
        : new NettyServerTransport(new NettyServerTransport.Settings(config.address(),
            config.maxInboundMessageSize(), config.maxConcurrentStreams(), config.maxHeaderListSize(),
            config.keepAliveTime(), config.keepAliveTimeout(), config.permitKeepAliveTime(),
            config.permitKeepAliveWithoutCalls(), config.maxConnectionIdle(), config.maxConnectionAge(),
            config.maxConnectionAgeGrace(), config.tls(), config.handshakeTimeout(),
            config.writeStallTimeout(), config.maxConnections(), config.limits(), config.clock(),
            config.web() == null ? null : new WebProtocols(config.web(), this::method,
                config.maxInboundMessageSize(), config.maxHeaderListSize(),
                config.handshakeTimeout(), config.clock())));
    io.conduit.internal.channelz.ChannelzHooks.serverCreated(config.tracers(), transport::sockets);
  }

  // ---------------------------------------------------------------- streams (transport thread)

  @Override
  public void streamCreated(ServerStream stream, CharSequence path, Metadata headers) {
    ServiceDefinition.Method<?, ?> method = methods.lookup(path);
    ServerTracers tracer = tracers.isEmpty() ? null : ServerTracers.of(tracers,
        new ServerCallTracer.CallInfo(method != null ? method.descriptor().fullMethodName()
            : path.subSequence(1, path.length()).toString(), method != null, headers));
    if (method == null) {
      // A valid request for a method this server lacks: not abuse, however often (a client may
      // call a method the server dropped at full rate).
      Status unimplemented = Status.UNIMPLEMENTED.withDescription("Method not found: "
          + path.subSequence(1, path.length()));
      stream.close(unimplemented, new Metadata());
      if (tracer != null) {
        tracer.callEnded(unimplemented);
      }
      return;
    }
    boolean health = healthExecutor != null
        && method.descriptor().serviceName().equals(io.conduit.health.Health.SERVICE_NAME);
    if (!health && admission != null) {
      Status refused = admission.admit();
      if (refused != null) {
        stream.close(refused, new Metadata());
        if (tracer != null) {
          tracer.callEnded(refused);
        }
        return;
      }
    }
    startCall(stream, method, headers, tracer, health ? healthExecutor : executor,
        health ? null : admission);
  }

  /** The method served at {@code path}, or null: for transports whose protocol needs its type. */
  private io.conduit.MethodDescriptor<?, ?> method(CharSequence path) {
    ServiceDefinition.Method<?, ?> m = methods.lookup(path);
    return m == null ? null : m.descriptor();
  }

  private <Q, R> void startCall(ServerStream stream, ServiceDefinition.Method<Q, R> method,
      Metadata headers, ServerTracers tracer, Executor executor, AdmissionControl admission) {
    ServerCallImpl<Q, R> call =
        new ServerCallImpl<>(stream, method, executor, clock, tracer, admission);
    stream.setListener(call);
    call.start(headers);
  }

  // ---------------------------------------------------------------- lifecycle

  /** New TLS connections use {@code context}; open ones keep theirs. */
  public void updateTls(io.conduit.internal.netty.TlsContext tls) {
    if (!(transport instanceof NettyServerTransport netty)) {
      throw new IllegalStateException("the server was built without TLS");
    }
    netty.updateTls(tls);
  }

  public void start() {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("server already started");
      }
      started = true;
    }
    try {
      transport.start(this);
    } catch (RuntimeException e) {
      synchronized (lock) {
        shutdown = true;
        terminated = true;
      }
      shutdownExecutor();
      throw e;
    }
    transport.whenTerminated(this::transportTerminated);
  }

  private void transportTerminated() {
    synchronized (lock) {
      terminated = true;
      lock.notifyAll();
    }
    // No call can start any more: the server's own executor finishes what it holds and stops.
    shutdownExecutor();
  }

  public SocketAddress localAddress() {
    synchronized (lock) {
      if (!started) {
        throw new IllegalStateException("server not started");
      }
    }
    return transport.localAddress();
  }

  public void shutdown() {
    close(false);
  }

  public void shutdownNow() {
    close(true);
  }

  private void close(boolean now) {
    boolean wasStarted;
    synchronized (lock) {
      shutdown = true;
      wasStarted = started;
      if (!started) {
        terminated = true;
      }
    }
    if (wasStarted) {
      if (now) {
        transport.shutdownNow();
      } else {
        transport.shutdown();
      }
    }
    if (isTerminated()) {
      shutdownExecutor();
    }
  }

  public boolean isShutdown() {
    synchronized (lock) {
      return shutdown;
    }
  }

  /**
   * Shut down, every connection closed, and (when the server owns its executor) every handler
   * task that was queued has run: after termination no application code of this server runs.
   */
  public boolean isTerminated() {
    synchronized (lock) {
      if (!(shutdown && terminated)) {
        return false;
      }
    }
    return (ownedExecutor == null || ownedExecutor.isTerminated())
        && (healthExecutor == null || healthExecutor.isTerminated());
  }

  /** Waits for termination; a null timeout waits for ever. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    // Real time, not the clock: this waits for threads to finish, not for a timer.
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!(shutdown && terminated)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    }
    shutdownExecutor();
    // Calls cancelled by the shutdown may still be queued to start; they run (and see the
    // cancellation) before the server counts as terminated.
    for (ExecutorService e : new ExecutorService[] {ownedExecutor, healthExecutor}) {
      long left = timeout == null ? Long.MAX_VALUE : Math.max(0, deadline - System.nanoTime());
      if (e != null && !e.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    return true;
  }

  private void shutdownExecutor() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
    if (healthExecutor != null) {
      healthExecutor.shutdown();
    }
  }

  /** The largest receive window among open connections (BDP flow control grows them). */
  public int maxReceiveWindow() {
    return transport instanceof NettyServerTransport netty ? netty.maxReceiveWindow() : 0;
  }

  @Override
  public String toString() {
    return transport.toString();
  }
}
