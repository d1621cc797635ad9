package io.conduit.xds.internal;

import io.conduit.Clock;
import io.conduit.ConnectivityState;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A child policy's helper that passes everything to its parent's: the policies of the xDS tree
 * override what they put between (subchannel wrapping, state aggregation).
 */
abstract class ForwardingHelper implements LoadBalancer.Helper {
  private final LoadBalancer.Helper parent;

  ForwardingHelper(LoadBalancer.Helper parent) {
    this.parent = parent;
  }

  @Override
  public Subchannel createSubchannel(SocketAddress address) {
    return parent.createSubchannel(address);
  }

  @Override
  public void updateState(ConnectivityState state, LoadBalancer.Picker picker) {
    parent.updateState(state, picker);
  }

  @Override
  public void refreshNameResolution() {
    parent.refreshNameResolution();
  }

  @Override
  public Executor syncContext() {
    return parent.syncContext();
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return parent.scheduler();
  }

  @Override
  public Clock clock() {
    return parent.clock();
  }
}
