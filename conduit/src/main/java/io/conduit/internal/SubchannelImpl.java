package io.conduit.internal;

import io.conduit.Status;
import io.conduit.ConnectivityState;
import io.conduit.balancer.Subchannel;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.Metadata;
import io.conduit.health.Health;
import io.conduit.health.HealthStatus;
import io.conduit.internal.channelz.ChannelzIds;
import io.conduit.internal.channelz.SocketFigures;
import io.conduit.internal.channelz.SocketView;
import io.conduit.internal.channelz.SubchannelView;
import io.conduit.internal.transport.ClientConnection;
import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A subchannel: one backend address and its connection (more than one only when
 * {@code maxConnectionsPerBackend} allows extra connections while every one is at the server's
 * MAX_CONCURRENT_STREAMS; the subchannel's state follows the first). IDLE until asked to
 * connect; CONNECTING until the server's SETTINGS arrive; READY until the connection goes away
 * (then IDLE again); TRANSIENT_FAILURE after a failed attempt, reconnecting by itself once its
 * backoff has passed. State changes run on the channel's synchronization context.
 */
final class SubchannelImpl implements Subchannel, ClientConnection.Listener, SubchannelView {

  /** What a subchannel needs from its channel (which also hosts its health-check calls). */
  interface Parent extends ClientCallImpl.Placer {
    ClientConnection connect(SocketAddress address, long connectTimeoutNanos,
        ClientConnection.Listener listener);

    void connectionClosed(ClientConnection transport);

    void refreshNameResolution();

    /** The subchannel is shut down: the channel need not track it any longer. */
    void subchannelShutdown(SubchannelImpl subchannel);

    SerializingExecutor syncContext();

    ScheduledExecutorService scheduler();

    ExponentialBackoff.Policy backoffPolicy();

    /** The service to health-check (gRFC A17), "" for the whole server, null for none. */
    String healthCheckServiceName();

    /** How many connections to one backend when each is at MAX_CONCURRENT_STREAMS (default 1). */
    int maxConnectionsPerBackend();
  }

  private final SocketAddress address;
  private final Parent host;
  private final ExponentialBackoff backoff;
  private StateListener listener;
  /** Written on the synchronization context; volatile for channelz. */
  private volatile ConnectivityState state = ConnectivityState.IDLE;
  private final long channelzId = ChannelzIds.next();
  /**
   * Its connections from READY until closed (draining ones too), for channelz; and the summed
   * figures of those that have closed. Changed only when a connection opens or closes.
   */
  private final java.util.List<ClientConnection> open = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile SocketFigures closedFigures = SocketFigures.NONE;
  private ClientConnection connecting;
  private volatile ClientConnection ready;
  /** False while a health check has not said SERVING: the connection is then not picked. */
  private volatile boolean healthy = true;
  private ClientCallImpl<Health.Request, Health.Response> healthCall;
  private ScheduledFuture<?> reconnect;
  /** Ends an attempt that has not reached READY within its connect timeout. */
  private ScheduledFuture<?> connectDeadline;

  SubchannelImpl(SocketAddress address, Parent host) {
    this.address = address;
    this.host = host;
    this.backoff = new ExponentialBackoff(host.backoffPolicy());
  }

  @Override
  public SocketAddress address() {
    return address;
  }

  @Override
  public void start(StateListener listener) {
    this.listener = listener;
  }

  @Override
  public ConnectivityState state() {
    return state;
  }

  /**
   * The READY connection, or {@code null}. Any thread. With more than one connection per backend
   * allowed, a connection with a free stream slot is preferred, and another one is opened when
   * all are full.
   */
  ClientConnection transport() {
    ClientConnection t = ready;
    if (t == null || !healthy || !t.isUsable()) {
      return null;
    }
    int max = host.maxConnectionsPerBackend();
    if (max <= 1 || t.hasCapacity()) {
      return t;
    }
    for (ClientConnection extra : extras) {
      if (extra.isUsable() && extra.hasCapacity()) {
        return extra;
      }
    }
    if (extras.size() + 1 < max && extraRequested.compareAndSet(false, true)) {
      host.syncContext().execute(this::connectExtra);
    }
    // Meanwhile the call waits for a stream slot on the primary connection.
    return t;
  }

  // ---------------------------------------------------------------- extra connections

  private final java.util.List<ClientConnection> extras = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicBoolean extraRequested = new java.util.concurrent.atomic.AtomicBoolean();
  private ClientConnection extraConnecting;

  private void connectExtra() {
    if (state != ConnectivityState.READY || extraConnecting != null) {
      extraRequested.set(false);
      return;
    }
    extraConnecting = host.connect(address, backoff.connectTimeoutNanos(), new ClientConnection.Listener() {
      @Override
      public void connectionReady(ClientConnection c) {
        host.syncContext().execute(() -> {
          if (c == extraConnecting) {
            extraConnecting = null;
            extraRequested.set(false);
            if (state == ConnectivityState.READY) {
              extras.add(c);
              open.add(c);
            } else {
              c.shutdown();
            }
          }
        });
      }

      @Override
      public void connectionUnusable(ClientConnection c) {
        extras.remove(c);
      }

      @Override
      public void connectionClosed(ClientConnection c, Status reason) {
        retire(c);
        host.syncContext().execute(() -> {
          retire(c);
          host.connectionClosed(c);
          extras.remove(c);
          if (c == extraConnecting) {
            extraConnecting = null;
            extraRequested.set(false);
          }
        });
      }
    });
  }

  /** The primary connection went away: the extras drain and close with it. */
  private void dropExtras() {
    for (ClientConnection extra : extras) {
      extra.shutdown();
    }
    extras.clear();
    if (extraConnecting != null) {
      extraConnecting.shutdownNow();
      extraConnecting = null;
    }
    extraRequested.set(false);
  }

  @Override
  public void requestConnection() {
    host.syncContext().execute(() -> {
      if (state == ConnectivityState.IDLE) {
        connect();
      }
    });
  }

  private void connect() {
    host.syncContext().assertCurrent();
    reconnect = null;
    setState(ConnectivityState.CONNECTING, null);
    long timeoutNanos = backoff.connectTimeoutNanos();
    ClientConnection attempt = host.connect(address, timeoutNanos, this);
    connecting = attempt;
    // The TCP connect has its own timeout; this one also covers the HTTP/2 handshake.
    connectDeadline = host.clock().schedule(host.scheduler(), () -> host.syncContext().execute(() -> {
      if (connecting == attempt && state == ConnectivityState.CONNECTING) {
        attempt.shutdownNow();
        attemptFailed(Status.UNAVAILABLE.withDescription("connecting to " + address
            + " timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
      }
    }), timeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void cancelConnectDeadline() {
    if (connectDeadline != null) {
      connectDeadline.cancel(false);
      connectDeadline = null;
    }
  }

  /** The current attempt failed: TRANSIENT_FAILURE, and a new attempt after the backoff. */
  private void attemptFailed(Status reason) {
    connecting = null;
    cancelConnectDeadline();
    setState(ConnectivityState.TRANSIENT_FAILURE, reason);
    host.refreshNameResolution();
    reconnect = host.clock().schedule(host.scheduler(), () -> host.syncContext().execute(() -> {
      if (state == ConnectivityState.TRANSIENT_FAILURE) {
        connect();
      }
    }), backoff.nextDelayNanos(), TimeUnit.NANOSECONDS);
  }

  private void setState(ConnectivityState newState, Status failure) {
    host.syncContext().assertCurrent();
    if (state == newState && newState != ConnectivityState.TRANSIENT_FAILURE) {
      return;
    }
    state = newState;
    if (listener != null) {
      listener.onStateChange(newState, failure);
    }
  }

  // ---------------------------------------------------------------- transport events

  @Override
  public void connectionReady(ClientConnection connection) {
    host.syncContext().execute(() -> {
      if (connection != connecting || state == ConnectivityState.SHUTDOWN) {
        return;
      }
      connecting = null;
      cancelConnectDeadline();
      ready = connection;
      open.add(connection);
      backoff.reset();
      String healthService = host.healthCheckServiceName();
      if (healthService == null) {
        healthy = true;
        setState(ConnectivityState.READY, null);
      } else {
        // READY only once the server says SERVING.
        healthy = false;
        startHealthWatch(connection, healthService);
      }
    });
  }

  // ---------------------------------------------------------------- client-side health checks

  private void startHealthWatch(ClientConnection connection, String service) {
    ClientCallImpl<Health.Request, Health.Response> call = new ClientCallImpl<>(
        new ConnectionPlacer(connection), Health.WATCH, CallOptions.DEFAULT, host.syncContext(), false);
    healthCall = call;
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(Health.Response response) {
        if (connection != ready || state == ConnectivityState.SHUTDOWN) {
          return;
        }
        healthy = response.status() == HealthStatus.SERVING;
        if (healthy) {
          setState(ConnectivityState.READY, null);
        } else {
          setState(ConnectivityState.TRANSIENT_FAILURE, io.conduit.Status.UNAVAILABLE
              .withDescription("health check of '" + service + "' says " + response.status()));
        }
        call.request(1);
      }

      @Override
      public void onClose(io.conduit.Status status, Metadata trailers) {
        if (connection != ready || state == ConnectivityState.SHUTDOWN) {
          return;
        }
        if (status.code() == io.conduit.Status.Code.UNIMPLEMENTED) {
          // gRFC A17: a server without the health service counts as healthy.
          System.getLogger(SubchannelImpl.class.getName()).log(System.Logger.Level.WARNING,
              "health checking is on but " + address + " does not implement grpc.health.v1.Health");
          healthy = true;
          setState(ConnectivityState.READY, null);
          return;
        }
        healthy = false;
        setState(ConnectivityState.TRANSIENT_FAILURE, status);
        // Watch again after a backoff, while the connection lasts.
        host.clock().schedule(host.scheduler(), () -> host.syncContext().execute(() -> {
          if (connection == ready && state != ConnectivityState.SHUTDOWN) {
            startHealthWatch(connection, service);
          }
        }), backoff.nextDelayNanos(), TimeUnit.NANOSECONDS);
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(new Health.Request(service));
    call.halfClose();
  }

  private void stopHealthWatch() {
    if (healthCall != null) {
      healthCall.cancel("connection no longer used", null);
      healthCall = null;
    }
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(io.conduit.MethodDescriptor<Q, R> method,
      CallOptions options) {
    return new ClientCallImpl<>(new ConnectionPlacer(null), method, options, host.syncContext(),
        false);
  }

  /**
   * Places a call on one connection, outside the channel's balancing: a health check's on the
   * connection it checks, a policy's ({@link #newCall}) on the one READY when it starts.
   */
  private final class ConnectionPlacer implements ClientCallImpl.Placer {
    /** The connection, or null for the one READY at start. */
    private final ClientConnection connection;

    ConnectionPlacer(ClientConnection connection) {
      this.connection = connection;
    }

    @Override
    public void startCall(ClientCallImpl<?, ?> call) {
      if (connection != null) {
        call.attach(connection);
        return;
      }
      host.syncContext().execute(() -> {
        ClientConnection c = ready;
        if (c == null || state != ConnectivityState.READY) {
          call.failEarly(io.conduit.Status.UNAVAILABLE.withDescription("subchannel to " + address
              + " is " + state + ", not READY"));
        } else {
          call.attach(c);
        }
      });
    }

    @Override
    public void retryCall(ClientCallImpl<?, ?> call) {
      call.failEarly(io.conduit.Status.UNAVAILABLE.withDescription(
          "the connection to " + address + " went away"));
    }

    @Override
    public void callClosed(ClientCallImpl<?, ?> call) {}

    @Override
    public int maxInboundMessageSize() {
      return host.maxInboundMessageSize();
    }

    @Override
    public ScheduledExecutorService scheduler() {
      return host.scheduler();
    }

    @Override
    public io.conduit.Clock clock() {
      return host.clock();
    }
  }

  @Override
  public void connectionUnusable(ClientConnection connection) {
    host.syncContext().execute(() -> {
      if (connection == ready) {
        // GOAWAY or closing: calls on it finish, new ones need a new connection.
        ready = null;
        stopHealthWatch();
        dropExtras();
        if (state != ConnectivityState.SHUTDOWN) {
          setState(ConnectivityState.IDLE, null);
          host.refreshNameResolution();
        }
      }
    });
  }

  @Override
  public void connectionClosed(ClientConnection connection, Status reason) {
    retire(connection);
    host.syncContext().execute(() -> {
      // Again here: it may have closed before its READY was handled.
      retire(connection);
      host.connectionClosed(connection);
      if (state == ConnectivityState.SHUTDOWN) {
        return;
      }
      if (connection == connecting) {
        attemptFailed(reason != null ? reason
            : Status.UNAVAILABLE.withDescription("connection to " + address + " closed"));
      } else if (connection == ready) {
        ready = null;
        stopHealthWatch();
        dropExtras();
        setState(ConnectivityState.IDLE, null);
        host.refreshNameResolution();
      }
    });
  }

  /**
   * A connection closed (called on its event loop, where its figures are final): its figures join
   * the closed ones before channelz stops listing it.
   */
  private void retire(ClientConnection connection) {
    SocketView socket = connection.socket();
    if (socket == null) {
      open.remove(connection);
      return;
    }
    if (open.contains(connection)) {
      // On the connection's loop this completes at once.
      socket.figures().whenComplete((last, failure) -> {
        synchronized (open) {
          if (open.remove(connection) && last != null) {
            closedFigures = closedFigures.plus(last);
          }
        }
      });
    }
  }

  // ---------------------------------------------------------------- channelz

  @Override
  public long subchannelId() {
    return channelzId;
  }

  @Override
  public java.util.List<SocketView> sockets() {
    java.util.List<SocketView> sockets = new java.util.ArrayList<>();
    for (ClientConnection c : open) {
      SocketView s = c.socket();
      if (s != null) {
        sockets.add(s);
      }
    }
    return sockets;
  }

  @Override
  public SocketFigures closedSockets() {
    return closedFigures;
  }

  @Override
  public void shutdown() {
    host.syncContext().execute(() -> {
      if (state == ConnectivityState.SHUTDOWN) {
        return;
      }
      state = ConnectivityState.SHUTDOWN;
      stopHealthWatch();
      dropExtras();
      if (reconnect != null) {
        reconnect.cancel(false);
      }
      cancelConnectDeadline();
      if (ready != null) {
        ready.shutdown();
        ready = null;
      }
      if (connecting != null) {
        connecting.shutdownNow();
        connecting = null;
      }
      host.subchannelShutdown(this);
      if (listener != null) {
        listener.onStateChange(ConnectivityState.SHUTDOWN, null);
      }
    });
  }

  /** Closes its connection at once (channel shutdownNow). */
  void shutdownNow() {
    host.syncContext().execute(() -> {
      ClientConnection r = ready;
      shutdown();
      if (r != null) {
        r.shutdownNow();
      }
    });
  }

  @Override
  public String toString() {
    return "Subchannel[" + address + ", " + state + "]";
  }
}
