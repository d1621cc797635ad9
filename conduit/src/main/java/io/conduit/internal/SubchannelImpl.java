package io.conduit.internal;

import io.conduit.Status;
import io.conduit.balancer.ConnectivityState;
import io.conduit.balancer.Subchannel;
import io.conduit.internal.transport.ClientConnectionHandler;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A subchannel: one backend address, at most one connection at a time. IDLE until asked to
 * connect; CONNECTING until the server's SETTINGS arrive; READY until the connection goes away
 * (then IDLE again); TRANSIENT_FAILURE after a failed attempt, reconnecting by itself once its
 * backoff has passed. State changes run on the channel's synchronization context.
 */
final class SubchannelImpl implements Subchannel, ClientConnectionHandler.Owner {

  /** What a subchannel needs from its channel. */
  interface Host {
    ClientConnectionHandler connect(SocketAddress address, long connectTimeoutNanos,
        ClientConnectionHandler.Owner owner);

    void transportClosed(ClientConnectionHandler transport);

    void refreshNameResolution();

    Executor syncContext();

    ScheduledExecutorService scheduler();

    ExponentialBackoff.Policy backoffPolicy();
  }

  private final SocketAddress address;
  private final Host host;
  private final ExponentialBackoff backoff;
  private StateListener listener;
  private ConnectivityState state = ConnectivityState.IDLE;
  private ClientConnectionHandler connecting;
  private volatile ClientConnectionHandler ready;
  private ScheduledFuture<?> reconnect;

  SubchannelImpl(SocketAddress address, Host host) {
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

  /** The READY connection, or {@code null}. Any thread. */
  ClientConnectionHandler transport() {
    ClientConnectionHandler t = ready;
    return t != null && t.isUsable() ? t : null;
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
    reconnect = null;
    setState(ConnectivityState.CONNECTING, null);
    connecting = host.connect(address, backoff.connectTimeoutNanos(), this);
  }

  private void setState(ConnectivityState newState, Status failure) {
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
  public void connectionReady(ClientConnectionHandler connection) {
    host.syncContext().execute(() -> {
      if (connection != connecting || state == ConnectivityState.SHUTDOWN) {
        return;
      }
      connecting = null;
      ready = connection;
      backoff.reset();
      setState(ConnectivityState.READY, null);
    });
  }

  @Override
  public void connectionUnusable(ClientConnectionHandler connection) {
    host.syncContext().execute(() -> {
      if (connection == ready) {
        // GOAWAY or closing: calls on it finish, new ones need a new connection.
        ready = null;
        if (state != ConnectivityState.SHUTDOWN) {
          setState(ConnectivityState.IDLE, null);
          host.refreshNameResolution();
        }
      }
    });
  }

  @Override
  public void connectionClosed(ClientConnectionHandler connection, Status reason) {
    host.syncContext().execute(() -> {
      host.transportClosed(connection);
      if (state == ConnectivityState.SHUTDOWN) {
        return;
      }
      if (connection == connecting) {
        connecting = null;
        setState(ConnectivityState.TRANSIENT_FAILURE, reason);
        host.refreshNameResolution();
        reconnect = host.scheduler().schedule(() -> host.syncContext().execute(() -> {
          if (state == ConnectivityState.TRANSIENT_FAILURE) {
            connect();
          }
        }), backoff.nextDelayNanos(), TimeUnit.NANOSECONDS);
      } else if (connection == ready) {
        ready = null;
        setState(ConnectivityState.IDLE, null);
        host.refreshNameResolution();
      }
    });
  }

  @Override
  public void shutdown() {
    host.syncContext().execute(() -> {
      if (state == ConnectivityState.SHUTDOWN) {
        return;
      }
      state = ConnectivityState.SHUTDOWN;
      if (reconnect != null) {
        reconnect.cancel(false);
      }
      if (ready != null) {
        ready.closeWhenIdle();
        ready = null;
      }
      if (connecting != null) {
        connecting.closeNow();
        connecting = null;
      }
      if (listener != null) {
        listener.onStateChange(ConnectivityState.SHUTDOWN, null);
      }
    });
  }

  /** Closes its connection at once (channel shutdownNow). */
  void shutdownNow() {
    host.syncContext().execute(() -> {
      ClientConnectionHandler r = ready;
      shutdown();
      if (r != null) {
        r.closeNow();
      }
    });
  }

  @Override
  public String toString() {
    return "Subchannel[" + address + ", " + state + "]";
  }
}
