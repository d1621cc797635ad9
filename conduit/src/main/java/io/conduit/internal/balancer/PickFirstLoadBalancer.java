package io.conduit.internal.balancer;

import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code pick_first}: connects to the addresses in order and sends every call to the first that
 * connects. With {@code {"shuffleAddressList": true}} (gRFC A62) the list is shuffled first, so
 * that many clients spread over the backends.
 *
 * <p>When the connection in use goes away, its subchannel asks the resolver again. Until that
 * answer comes, a failed reconnect to the old addresses is not yet reported as
 * TRANSIENT_FAILURE: the calls wait (CONNECTING) instead of failing fast, for at most one more
 * reconnect backoff. A server that moved (DNS now gives its new address) is thus found without
 * failing the calls that came in between; a server that is simply down fails calls one backoff
 * later than before.
 */
public final class PickFirstLoadBalancer extends LoadBalancer {
  private final Helper helper;
  private final Map<SocketAddress, Subchannel> subchannels = new HashMap<>();
  private List<SocketAddress> addresses = List.of();
  private int attempt;
  private Subchannel selected;
  private Status lastFailure;
  private boolean reportedFailure;
  /** The selected connection went away and the resolver has not answered since. */
  private boolean awaitingResolution;
  /** The failure not yet reported while {@link #awaitingResolution}. */
  private Status heldFailure;

  public PickFirstLoadBalancer(Helper helper) {
    this.helper = helper;
  }

  @Override
  public void acceptResolvedAddresses(List<SocketAddress> newAddresses, Map<String, ?> config) {
    if (newAddresses.isEmpty()) {
      handleResolutionError(Status.UNAVAILABLE.withDescription("resolver returned no addresses"));
      return;
    }
    List<SocketAddress> list = new ArrayList<>(newAddresses);
    if (config != null && Boolean.TRUE.equals(config.get("shuffleAddressList"))) {
      Collections.shuffle(list);
    }
    List<SocketAddress> previous = addresses;
    addresses = List.copyOf(list);
    awaitingResolution = false;
    subchannels.entrySet().removeIf(e -> {
      boolean gone = !addresses.contains(e.getKey());
      if (gone) {
        e.getValue().shutdown();
      }
      return gone;
    });
    if (selected != null && subchannels.containsValue(selected)) {
      return;
    }
    if (!subchannels.isEmpty() && Set.copyOf(addresses).equals(Set.copyOf(previous))) {
      // Nothing moved: the subchannels go on as they were (idle, connecting or backing off).
      // If a failure is held, the resolver answered with the addresses that just failed: the
      // server did not move.
      reportHeldFailure();
      return;
    }
    heldFailure = null;
    selected = null;
    attempt = 0;
    reportedFailure = false;
    helper.updateState(ConnectivityState.CONNECTING, args -> PickResult.withNoResult());
    connect(attempt);
  }

  private void connect(int index) {
    SocketAddress address = addresses.get(index);
    Subchannel sc = subchannels.get(address);
    if (sc == null) {
      Subchannel created = helper.createSubchannel(address);
      subchannels.put(address, created);
      created.start((state, failure) -> onStateChange(created, state, failure));
      sc = created;
    }
    sc.requestConnection();
  }

  private void onStateChange(Subchannel sc, ConnectivityState state, Status failure) {
    if (!subchannels.containsValue(sc)) {
      return;
    }
    switch (state) {
      case READY -> {
        selected = sc;
        reportedFailure = false;
        awaitingResolution = false;
        heldFailure = null;
        // The others are no longer needed.
        subchannels.values().removeIf(other -> {
          if (other != sc) {
            other.shutdown();
            return true;
          }
          return false;
        });
        PickResult result = PickResult.withSubchannel(sc);
        helper.updateState(ConnectivityState.READY, args -> result);
      }
      case IDLE -> {
        if (sc == selected) {
          // The connection went away: reconnect on the next call, from the first address.
          selected = null;
          attempt = 0;
          // The subchannel has asked the resolver again (the server may have moved).
          awaitingResolution = true;
          java.util.concurrent.atomic.AtomicBoolean requested = new java.util.concurrent.atomic.AtomicBoolean();
          helper.updateState(ConnectivityState.IDLE, args -> {
            if (requested.compareAndSet(false, true)) {
              helper.syncContext().execute(this::requestConnection);
            }
            return PickResult.withNoResult();
          });
        }
      }
      case CONNECTING -> {
        // A new attempt after going idle shows as CONNECTING; after every address failed, the
        // channel stays in TRANSIENT_FAILURE until one connects (gRFC A62).
        if (selected == null && !reportedFailure) {
          helper.updateState(ConnectivityState.CONNECTING, args -> PickResult.withNoResult());
        }
      }
      case TRANSIENT_FAILURE -> {
        lastFailure = failure;
        if (selected != null) {
          return;
        }
        int index = addresses.indexOf(sc.address());
        if (index == attempt && attempt + 1 < addresses.size()) {
          attempt++;
          connect(attempt);
        } else if (awaitingResolution && !reportedFailure) {
          // The old addresses failed before the resolver answered: wait for its answer, or
          // until the subchannels' next attempts fail too.
          awaitingResolution = false;
          heldFailure = failure;
        } else if (index == attempt || !reportedFailure) {
          heldFailure = null;
          reportFailure(failure);
        }
      }
      default -> {
      }
    }
  }

  /** Every address failed once: fail fast calls now; subchannels keep retrying on backoff. */
  private void reportFailure(Status failure) {
    reportedFailure = true;
    Status error = Status.UNAVAILABLE.withDescription("no backend reachable: "
        + (failure == null ? "unknown" : failure.description())).withCause(
            failure == null ? null : failure.cause());
    helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(error));
  }

  /** Reports the failure held for the resolver's answer, if there is one; returns whether. */
  private boolean reportHeldFailure() {
    if (heldFailure == null) {
      return false;
    }
    Status failure = heldFailure;
    heldFailure = null;
    reportFailure(failure);
    return true;
  }

  @Override
  public void requestConnection() {
    if (selected == null && !addresses.isEmpty()) {
      connect(Math.min(attempt, addresses.size() - 1));
    }
  }

  @Override
  public void handleResolutionError(Status error) {
    awaitingResolution = false;
    if (reportHeldFailure()) {
      return;
    }
    if (selected == null && subchannels.isEmpty()) {
      helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(error));
    }
  }

  @Override
  public void shutdown() {
    for (Subchannel sc : subchannels.values()) {
      sc.shutdown();
    }
    subchannels.clear();
    selected = null;
  }

  /** Last failure seen, for diagnostics. */
  Status lastFailure() {
    return lastFailure;
  }
}
