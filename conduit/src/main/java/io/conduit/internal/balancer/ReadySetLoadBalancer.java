package io.conduit.internal.balancer;

import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The policies that keep a connection to every address and spread calls over the READY ones,
 * each in its own way ({@link #readyPicker}): {@code round_robin} and
 * {@code least_request_experimental}. A backend that fails is reconnected (with backoff) and
 * rejoins when READY; with none READY the policy stays in TRANSIENT_FAILURE (gRFC A61).
 */
public abstract class ReadySetLoadBalancer extends LoadBalancer {
  private final Helper helper;
  private final Map<SocketAddress, Subchannel> subchannels = new LinkedHashMap<>();
  private final Map<Subchannel, ConnectivityState> states = new LinkedHashMap<>();
  private Status lastFailure;
  private ConnectivityState published;

  /**
   * For the policies built on it (here, and in the xDS module).
   *
   * @param helper the channel's side of the balancer
   */
  protected ReadySetLoadBalancer(Helper helper) {
    this.helper = helper;
  }

  /**
   * The picker over {@code ready}, in the order the addresses came; never empty.
   *
   * @param ready the READY subchannels
   * @return the picker
   */
  protected abstract Picker readyPicker(List<Subchannel> ready);

  /**
   * This policy's config from the service config, before the addresses it comes with.
   *
   * @param config the policy's config
   */
  protected void configure(Map<String, ?> config) {}

  /**
   * {@code sc} is gone; its picks may still end.
   *
   * @param sc the subchannel
   */
  protected void removed(Subchannel sc) {}

  /**
   * {@code sc}'s state changed (the policy may keep a stream per READY backend).
   *
   * @param sc the subchannel
   * @param state its new state
   */
  protected void stateChanged(Subchannel sc, ConnectivityState state) {}

  /** Publishes a new picker over the same READY set (the policy's weights changed). */
  protected void republish() {
    if (!states.isEmpty()) {
      publish();
    }
  }

  @Override
  public void acceptResolvedAddresses(List<SocketAddress> addresses, Map<String, ?> config) {
    configure(config);
    if (addresses.isEmpty()) {
      handleResolutionError(Status.UNAVAILABLE.withDescription("resolver returned no addresses"));
      return;
    }
    subchannels.entrySet().removeIf(e -> {
      boolean gone = !addresses.contains(e.getKey());
      if (gone) {
        states.remove(e.getValue());
        removed(e.getValue());
        e.getValue().shutdown();
      }
      return gone;
    });
    for (SocketAddress address : addresses) {
      if (!subchannels.containsKey(address)) {
        Subchannel sc = helper.createSubchannel(address);
        subchannels.put(address, sc);
        states.put(sc, ConnectivityState.IDLE);
        sc.start((state, failure) -> onStateChange(sc, state, failure));
        sc.requestConnection();
      }
    }
    publish();
  }

  private void onStateChange(Subchannel sc, ConnectivityState state, Status failure) {
    if (!states.containsKey(sc)) {
      return;
    }
    states.put(sc, state);
    stateChanged(sc, state);
    if (state == ConnectivityState.IDLE) {
      // These policies keep every backend connected.
      sc.requestConnection();
    } else if (state == ConnectivityState.TRANSIENT_FAILURE) {
      lastFailure = failure;
    }
    publish();
  }

  private void publish() {
    List<Subchannel> ready = new ArrayList<>();
    boolean connecting = false;
    for (Map.Entry<Subchannel, ConnectivityState> e : states.entrySet()) {
      if (e.getValue() == ConnectivityState.READY) {
        ready.add(e.getKey());
      } else if (e.getValue() == ConnectivityState.CONNECTING || e.getValue() == ConnectivityState.IDLE) {
        connecting = true;
      }
    }
    if (!ready.isEmpty()) {
      helper.updateState(ConnectivityState.READY, readyPicker(List.copyOf(ready)));
      published = ConnectivityState.READY;
    } else if (connecting && published != ConnectivityState.TRANSIENT_FAILURE) {
      helper.updateState(ConnectivityState.CONNECTING, args -> PickResult.withNoResult());
      published = ConnectivityState.CONNECTING;
    } else {
      // Sticky failure: stay in TRANSIENT_FAILURE until a backend is READY (gRFC A61).
      Status error = Status.UNAVAILABLE.withDescription("no backend reachable: "
          + (lastFailure == null ? "all connections failed" : lastFailure.description()));
      helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(error));
      published = ConnectivityState.TRANSIENT_FAILURE;
    }
  }

  @Override
  public void handleResolutionError(Status error) {
    if (subchannels.isEmpty()) {
      helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(error));
      published = ConnectivityState.TRANSIENT_FAILURE;
    }
  }

  @Override
  public void shutdown() {
    for (Subchannel sc : subchannels.values()) {
      sc.shutdown();
    }
    subchannels.clear();
    states.clear();
  }
}
