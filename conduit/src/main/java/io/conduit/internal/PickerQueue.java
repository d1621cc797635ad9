package io.conduit.internal;

import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.internal.transport.ClientConnection;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The balancer's current picker and the calls it could not place yet. A call is picked inline
 * on its own thread from an immutable snapshot, with no lock when the picker places it (the
 * steady state); only a call that must wait takes the lock, and waits for the next picker.
 */
final class PickerQueue {
  /**
   * The picker in force, in a new object per update (so that a picker published twice still
   * counts as news to a call that missed the first); its picker is null while there is none.
   */
  private volatile Snapshot current = new Snapshot(null);
  private final Object lock = new Object();
  // Guarded by lock.
  private final Set<ClientCallImpl<?, ?>> waiting = new LinkedHashSet<>();
  /** How many calls wait: read without the lock so that a call that never waited takes none. */
  private volatile int waitingCount;

  /** Places {@code call} on a transport, fails it, or queues it until a picker can place it. */
  void place(ClientCallImpl<?, ?> call) {
    while (true) {
      Snapshot s = current;
      if (s.picker() != null && tryPick(call, s.picker(), false)) {
        return;
      }
      synchronized (lock) {
        if (current == s) {
          // No picker could place it: wait for the next one.
          waiting.add(call);
          waitingCount = waiting.size();
          return;
        }
      }
    }
  }

  /** Puts {@code next} in force and places the calls that wait with it. Synchronization context. */
  void update(LoadBalancer.Picker next) {
    List<ClientCallImpl<?, ?>> queued;
    synchronized (lock) {
      current = new Snapshot(next);
      queued = new ArrayList<>(waiting);
    }
    if (next == null) {
      return;
    }
    for (ClientCallImpl<?, ?> call : queued) {
      // It waited: tracers hear that its pick was delayed.
      if (tryPick(call, next, true)) {
        remove(call);
      }
    }
  }

  /** The call is over: it no longer waits. */
  void remove(ClientCallImpl<?, ?> call) {
    if (waitingCount == 0) {
      return;
    }
    synchronized (lock) {
      waiting.remove(call);
      waitingCount = waiting.size();
    }
  }

  /** Takes every waiting call out (channel shutdown). */
  List<ClientCallImpl<?, ?>> drain() {
    synchronized (lock) {
      List<ClientCallImpl<?, ?>> all = new ArrayList<>(waiting);
      waiting.clear();
      waitingCount = 0;
      return all;
    }
  }

  private record Snapshot(LoadBalancer.Picker picker) {}

  /** Tells a pick's listener that its pick placed no call, so that it counts nothing. */
  private static void placedNothing(LoadBalancer.CallEndListener listener, Status why) {
    if (listener != null) {
      listener.callEnded(why, new Metadata());
    }
  }

  /** Places the call per the picker; false when it must wait. */
  private static boolean tryPick(ClientCallImpl<?, ?> call, LoadBalancer.Picker p, boolean waited) {
    LoadBalancer.PickResult r;
    try {
      r = p.pick(new LoadBalancer.PickArgs(call.method(), call.options(), call.requestHeaders()));
    } catch (RuntimeException e) {
      call.failEarly(Status.INTERNAL.withDescription("picker failed: " + e).withCause(e));
      return true;
    }
    if (r == null) {
      call.failEarly(Status.INTERNAL.withDescription("picker returned null"));
      return true;
    }
    if (r.subchannel() != null) {
      LoadBalancer.CallEndListener listener = r.callEndListener();
      if (!(r.subchannel() instanceof SubchannelImpl sc)) {
        // Waiting would never end: only this channel's subchannels have connections.
        Status error = Status.INTERNAL.withDescription("picker returned a subchannel that "
            + "Helper.createSubchannel did not create: " + r.subchannel());
        placedNothing(listener, error);
        call.failEarly(error);
        return true;
      }
      ClientConnection t = sc.transport();
      if (t == null) {
        // Not READY any more: the balancer will publish a new picker.
        placedNothing(listener, Status.UNAVAILABLE.withDescription("the picked subchannel is "
            + "not ready any more"));
        return false;
      }
      if (!call.attach(t, waited, listener)) {
        placedNothing(listener, Status.CANCELLED.withDescription("the call ended before its "
            + "stream opened"));
      }
      return true;
    }
    if (r.error() != null && (r.drop() || !call.isWaitForReady())) {
      call.failEarly(r.error());
      return true;
    }
    return false;
  }
}
