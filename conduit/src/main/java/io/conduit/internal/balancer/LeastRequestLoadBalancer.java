package io.conduit.internal.balancer;

import io.conduit.balancer.Subchannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * {@code least_request_experimental} (gRFC A48): connects to every address as round_robin does,
 * and sends each call to the READY backend with the fewest calls in flight among
 * {@code choiceCount} drawn at random (with replacement; "the power of two choices"). Config:
 * {@code {"choiceCount": N}}, default 2; values below 2 count as 2 and above 10 as 10, as
 * grpc-java and grpc-go bound them.
 */
public final class LeastRequestLoadBalancer extends ReadySetLoadBalancer {
  static final int DEFAULT_CHOICE_COUNT = 2;
  static final int MAX_CHOICE_COUNT = 10;

  /** Calls in flight per subchannel; pickers of earlier states keep counting on the same ones. */
  private final Map<Subchannel, AtomicInteger> inFlight = new HashMap<>();
  /** A random index below its argument; the tests fix the sequence. */
  private final IntUnaryOperator random;
  private int choiceCount = DEFAULT_CHOICE_COUNT;

  public LeastRequestLoadBalancer(Helper helper) {
    this(helper, bound -> ThreadLocalRandom.current().nextInt(bound));
  }

  LeastRequestLoadBalancer(Helper helper, IntUnaryOperator random) {
    super(helper);
    this.random = random;
  }

  @Override
  protected void configure(Map<String, ?> config) {
    Object n = config == null ? null : config.get("choiceCount");
    int count = n instanceof Number number ? number.intValue() : DEFAULT_CHOICE_COUNT;
    choiceCount = Math.max(DEFAULT_CHOICE_COUNT, Math.min(MAX_CHOICE_COUNT, count));
  }

  @Override
  protected void removed(Subchannel sc) {
    inFlight.remove(sc);
  }

  @Override
  protected Picker readyPicker(List<Subchannel> ready) {
    AtomicInteger[] counts = new AtomicInteger[ready.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = inFlight.computeIfAbsent(ready.get(i), sc -> new AtomicInteger());
    }
    return new FewestInFlightPicker(ready, counts, choiceCount, random);
  }

  int choiceCount() {
    return choiceCount;
  }

  /** Draws {@code choices} READY subchannels and takes the one with the fewest in flight. */
  private static final class FewestInFlightPicker implements Picker {
    private final List<Subchannel> ready;
    private final AtomicInteger[] counts;
    private final int choices;
    private final IntUnaryOperator random;

    FewestInFlightPicker(List<Subchannel> ready, AtomicInteger[] counts, int choices,
        IntUnaryOperator random) {
      this.ready = ready;
      this.counts = counts;
      this.choices = choices;
      this.random = random;
    }

    @Override
    public PickResult pick(PickArgs args) {
      int n = ready.size();
      int best = random.applyAsInt(n);
      for (int i = 1; i < choices; i++) {
        int candidate = random.applyAsInt(n);
        if (counts[candidate].get() < counts[best].get()) {
          best = candidate;
        }
      }
      AtomicInteger count = counts[best];
      count.incrementAndGet();
      return PickResult.withSubchannel(ready.get(best),
          (status, trailers) -> count.decrementAndGet());
    }
  }
}
