package io.conduit.internal.balancer;

import io.conduit.balancer.Subchannel;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code round_robin}: keeps a connection to every address and spreads calls over the READY
 * ones in turn. A backend that fails is reconnected (with backoff) and rejoins when READY.
 */
public final class RoundRobinLoadBalancer extends ReadySetLoadBalancer {
  public RoundRobinLoadBalancer(Helper helper) {
    super(helper);
  }

  @Override
  protected Picker readyPicker(List<Subchannel> ready) {
    return new ReadyPicker(ready);
  }
  /** Picks the READY subchannels in turn, starting at a random one. */
  private static final class ReadyPicker implements Picker {
    private final List<Subchannel> ready;
    private final AtomicInteger next;

    ReadyPicker(List<Subchannel> ready) {
      this.ready = List.copyOf(ready);
      this.next = new AtomicInteger(ThreadLocalRandom.current().nextInt(ready.size()));
    }

    @Override
    public PickResult pick(PickArgs args) {
      int i = Math.floorMod(next.getAndIncrement(), ready.size());
      return PickResult.withSubchannel(ready.get(i));
    }
  }
}
