package io.conduit.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Reconnect delays per doc/connection-backoff.md: start at {@code initial}, multiply by
 * {@code multiplier} after each failure up to {@code max}, each spread by +/- {@code jitter}.
 * Not thread-safe: one per subchannel, used on the synchronization context.
 */
public final class ExponentialBackoff {

  /** The settings, with the spec's defaults in {@link #DEFAULT}. */
  public record Policy(Duration initial, double multiplier, double jitter, Duration max,
      Duration minConnectTimeout) {
    public static final Policy DEFAULT = new Policy(Duration.ofSeconds(1), 1.6, 0.2,
        Duration.ofSeconds(120), Duration.ofSeconds(20));

    public Policy {
      Objects.requireNonNull(initial, "initial");
      Objects.requireNonNull(max, "max");
      Objects.requireNonNull(minConnectTimeout, "minConnectTimeout");
      if (initial.isNegative() || initial.isZero()) {
        throw new IllegalArgumentException("backoff initial must be > 0: " + initial);
      }
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("backoff max (" + max + ") must be >= initial (" + initial + ")");
      }
      if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("backoff multiplier must be >= 1: " + multiplier);
      }
      if (!(jitter >= 0 && jitter < 1)) {
        throw new IllegalArgumentException("backoff jitter must be in [0, 1): " + jitter);
      }
      if (minConnectTimeout.isNegative() || minConnectTimeout.isZero()) {
        throw new IllegalArgumentException("minConnectTimeout must be > 0: " + minConnectTimeout);
      }
    }
  }

  private final Policy policy;
  private final DoubleSupplier random;
  private double nextNanos;

  public ExponentialBackoff(Policy policy) {
    this(policy, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** {@code random} yields uniform values in [0, 1); tests pass a fixed one. */
  public ExponentialBackoff(Policy policy, DoubleSupplier random) {
    this.policy = policy;
    this.random = random;
    reset();
  }

  /** The delay before the next attempt; each call grows the one after. */
  public long nextDelayNanos() {
    double current = nextNanos;
    nextNanos = Math.min(current * policy.multiplier(), policy.max().toNanos());
    double spread = current * policy.jitter();
    return Math.round(current - spread + random.getAsDouble() * 2 * spread);
  }

  /** Back to the initial delay, after a successful connection. */
  public void reset() {
    nextNanos = policy.initial().toNanos();
  }

  /** How long one connection attempt may take: the larger of the current delay and the minimum. */
  public long connectTimeoutNanos() {
    return Math.max((long) nextNanos, policy.minConnectTimeout().toNanos());
  }
}
