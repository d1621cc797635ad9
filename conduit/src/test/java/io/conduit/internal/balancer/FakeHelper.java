package io.conduit.internal.balancer;

import io.conduit.CallOptions;
import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A balancer's world without a network: subchannels whose states the test sets, and a record of
 * every state and picker the balancer publishes. Everything runs on the test thread.
 */
final class FakeHelper implements LoadBalancer.Helper {
  final List<FakeSubchannel> created = new ArrayList<>();
  final List<ConnectivityState> states = new ArrayList<>();
  final List<Runnable> queued = new ArrayList<>();
  LoadBalancer.Picker picker;
  int refreshes;

  static SocketAddress addr(int i) {
    return new InetSocketAddress("127.0.0." + i, 1000);
  }

  final class FakeSubchannel implements Subchannel {
    final SocketAddress address;
    StateListener listener;
    ConnectivityState state = ConnectivityState.IDLE;
    int connectRequests;
    boolean shutdown;

    FakeSubchannel(SocketAddress address) {
      this.address = address;
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
    public void requestConnection() {
      connectRequests++;
    }

    @Override
    public void shutdown() {
      shutdown = true;
      state = ConnectivityState.SHUTDOWN;
    }

    @Override
    public ConnectivityState state() {
      return state;
    }

    void set(ConnectivityState newState) {
      set(newState, newState == ConnectivityState.TRANSIENT_FAILURE
          ? Status.UNAVAILABLE.withDescription("refused " + address) : null);
    }

    void set(ConnectivityState newState, Status failure) {
      state = newState;
      listener.onStateChange(newState, failure);
    }

    @Override
    public String toString() {
      return "Fake[" + address + "]";
    }
  }

  @Override
  public Subchannel createSubchannel(SocketAddress address) {
    FakeSubchannel sc = new FakeSubchannel(address);
    created.add(sc);
    return sc;
  }

  FakeSubchannel subchannel(SocketAddress address) {
    FakeSubchannel found = null;
    for (FakeSubchannel sc : created) {
      if (sc.address.equals(address) && !sc.shutdown) {
        found = sc;
      }
    }
    if (found == null) {
      throw new AssertionError("no live subchannel for " + address + " in " + created);
    }
    return found;
  }

  @Override
  public void updateState(ConnectivityState state, LoadBalancer.Picker picker) {
    states.add(state);
    this.picker = picker;
  }

  ConnectivityState state() {
    return states.get(states.size() - 1);
  }

  LoadBalancer.PickResult pick() {
    return pick(CallOptions.DEFAULT);
  }

  LoadBalancer.PickResult pick(CallOptions options) {
    return picker.pick(new LoadBalancer.PickArgs(null, options, null));
  }

  @Override
  public void refreshNameResolution() {
    refreshes++;
  }

  @Override
  public Executor syncContext() {
    return queued::add;
  }

  /** Runs what the balancer put on the synchronization context. */
  void drain() {
    while (!queued.isEmpty()) {
      queued.remove(0).run();
    }
  }

  @Override
  public ScheduledExecutorService scheduler() {
    throw new UnsupportedOperationException();
  }
}
