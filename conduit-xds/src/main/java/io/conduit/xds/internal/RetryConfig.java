package io.conduit.xds.internal;

import io.conduit.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A route's (or virtual host's) retry policy as gRFC A44 reads Envoy's: the status codes of
 * {@code retry_on} that gRPC knows, {@code num_retries + 1} attempts (at most 5, A6), and the
 * backoff between them.
 *
 * @param maxAttempts attempts in all, 2 to 5
 * @param initialBackoff the first backoff
 * @param maxBackoff the backoff's cap
 * @param codes the codes that are retried, not empty
 */
record RetryConfig(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
    Set<Status.Code> codes) {
  RetryConfig {
    codes = Set.copyOf(codes);
  }

  /** The service config {@code retryPolicy} JSON of this policy. */
  Map<String, Object> json() {
    return Map.of("maxAttempts", maxAttempts,
        "initialBackoff", seconds(initialBackoff),
        "maxBackoff", seconds(maxBackoff),
        "backoffMultiplier", 2,
        "retryableStatusCodes", List.copyOf(codes.stream().map(Enum::name).sorted().toList()));
  }

  static String seconds(Duration d) {
    return java.math.BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString() + "s";
  }
}
