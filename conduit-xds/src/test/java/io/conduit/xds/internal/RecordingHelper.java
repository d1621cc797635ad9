package io.conduit.xds.internal;

import io.conduit.ConnectivityState;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A balancer's world without a network, for this module's balancers: subchannels whose states the
 * test sets, the last state and picker published, and the synchronization context as a queue the
 * test drains. (The runtime's own FakeHelper is in a package this module's tests cannot read.)
 */
final class RecordingHelper implements LoadBalancer.Helper {
  final List<TestSubchannel> created = new ArrayList<>();
  final List<Runnable> queued = new ArrayList<>();
  ConnectivityState state;
  LoadBalancer.Picker picker;

  static SocketAddress addr(int i) {
    return new InetSocketAddress("127.0.0." + i, 1000);
  }

  final class TestSubchannel implements Subchannel {
    final SocketAddress address;
    StateListener listener;
    ConnectivityState current = ConnectivityState.IDLE;
    int connectRequests;
    boolean shutdown;

    TestSubchannel(SocketAddress address) {
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
    }

    @Override
    public ConnectivityState state() {
      return current;
    }

    void set(ConnectivityState newState) {
      current = newState;
      listener.onStateChange(newState, newState == ConnectivityState.TRANSIENT_FAILURE
          ? io.conduit.Status.UNAVAILABLE.withDescription("refused") : null);
    }
  }

  TestSubchannel subchannel(SocketAddress address) {
    return created.stream().filter(sc -> sc.address.equals(address) && !sc.shutdown).findFirst()
        .orElseThrow();
  }

  @Override
  public Subchannel createSubchannel(SocketAddress address) {
    TestSubchannel sc = new TestSubchannel(address);
    created.add(sc);
    return sc;
  }

  @Override
  public void updateState(ConnectivityState newState, LoadBalancer.Picker newPicker) {
    state = newState;
    picker = newPicker;
  }

  @Override
  public void refreshNameResolution() {}

  @Override
  public Executor syncContext() {
    return queued::add;
  }

  void drain() {
    while (!queued.isEmpty()) {
      queued.remove(0).run();
    }
  }

  /** Timers the balancer scheduled; they never run by themselves (tests run what they start). */
  final List<Runnable> timers = new ArrayList<>();

  @Override
  public ScheduledExecutorService scheduler() {
    return (ScheduledExecutorService) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {ScheduledExecutorService.class},
        (proxy, method, args) -> {
          if (!method.getName().startsWith("schedule")) {
            throw new UnsupportedOperationException(method.getName());
          }
          timers.add((Runnable) args[0]);
          return java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
              new Class<?>[] {java.util.concurrent.ScheduledFuture.class},
              (f, m, a) -> m.getName().equals("cancel") ? Boolean.TRUE : null);
        });
  }
}
