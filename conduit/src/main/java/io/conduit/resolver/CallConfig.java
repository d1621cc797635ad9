package io.conduit.resolver;

import io.conduit.Status;
import java.time.Duration;
import java.util.Map;

/**
 * What a {@link CallConfigSelector} decides for one call: the method config that applies to it,
 * and whether to fail or hold it first (fault injection, gRFC A33).
 *
 * @param methodConfig the settings of a service config {@code methodConfig} entry, as its JSON
 *     object without the {@code name} list ({@code timeout}, {@code retryPolicy},
 *     {@code waitForReady}, ...); empty for none. Return the same instance for calls that share
 *     it: the channel reads each one once.
 * @param abort the status to fail the call with (after the delay, if any), or {@code null}
 * @param delay how long to hold the call before it starts (or fails), or {@code null}
 */
public record CallConfig(Map<String, ?> methodConfig, Status abort, Duration delay) {
  /** No method config, no fault. */
  public static final CallConfig DEFAULT = new CallConfig(Map.of(), null, null);

  /**
   * Copies the method config.
   *
   * @param abort the status to fail the call with (after the delay, if any), or {@code null}
   * @param delay how long to hold the call before it starts (or fails), or {@code null}
   * @param methodConfig the method config's settings as JSON; empty for none
   */
  public CallConfig {
    methodConfig = Map.copyOf(methodConfig);
    if (delay != null && delay.isNegative()) {
      throw new IllegalArgumentException("negative delay " + delay);
    }
  }
}
