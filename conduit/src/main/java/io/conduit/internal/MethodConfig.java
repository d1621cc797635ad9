package io.conduit.internal;

import io.conduit.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One {@code methodConfig} entry of a service config (doc/service_config.md, gRFC A6): which
 * methods it names, and the settings for them. Unset settings are {@code null}.
 */
public record MethodConfig(List<Name> names, Boolean waitForReady, Duration timeout,
    Integer maxRequestMessageBytes, Integer maxResponseMessageBytes, RetryPolicy retryPolicy,
    HedgingPolicy hedgingPolicy) {

  /** A {@code name} entry: a service and method, a whole service (null method), or all (both null). */
  public record Name(String service, String method) {}

  /** {@code retryPolicy}. */
  public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
      double backoffMultiplier, Set<Status.Code> retryableStatusCodes) {}

  /** {@code hedgingPolicy}. */
  public record HedgingPolicy(int maxAttempts, Duration hedgingDelay, Set<Status.Code> nonFatalStatusCodes) {}

  /** Attempts beyond 5 are capped to 5, as gRFC A6 requires. */
  static final int MAX_ATTEMPTS_CAP = 5;

  static MethodConfig parse(Map<?, ?> m) {
    List<Name> names = new ArrayList<>();
    Object nameList = m.get("name");
    if (!(nameList instanceof List<?> list) || list.isEmpty()) {
      throw new IllegalArgumentException("methodConfig needs a non-empty 'name' list");
    }
    for (Object n : list) {
      if (!(n instanceof Map<?, ?> nm)) {
        throw new IllegalArgumentException("methodConfig name entries must be objects");
      }
      String service = optString(nm, "service");
      String method = optString(nm, "method");
      if ((service == null || service.isEmpty()) && method != null && !method.isEmpty()) {
        throw new IllegalArgumentException("methodConfig name has a method but no service");
      }
      names.add(new Name(service == null || service.isEmpty() ? null : service,
          method == null || method.isEmpty() ? null : method));
    }
    Object wfr = m.get("waitForReady");
    if (wfr != null && !(wfr instanceof Boolean)) {
      throw new IllegalArgumentException("waitForReady must be a boolean");
    }
    Duration timeout = optDuration(m, "timeout");
    Integer maxReq = optInt(m, "maxRequestMessageBytes");
    Integer maxResp = optInt(m, "maxResponseMessageBytes");
    RetryPolicy retry = null;
    if (m.get("retryPolicy") instanceof Map<?, ?> r) {
      retry = parseRetry(r);
    } else if (m.get("retryPolicy") != null) {
      throw new IllegalArgumentException("retryPolicy must be an object");
    }
    HedgingPolicy hedging = null;
    if (m.get("hedgingPolicy") instanceof Map<?, ?> h) {
      hedging = parseHedging(h);
    } else if (m.get("hedgingPolicy") != null) {
      throw new IllegalArgumentException("hedgingPolicy must be an object");
    }
    if (retry != null && hedging != null) {
      throw new IllegalArgumentException("a methodConfig may have retryPolicy or hedgingPolicy, not both");
    }
    return new MethodConfig(List.copyOf(names), (Boolean) wfr, timeout, maxReq, maxResp, retry, hedging);
  }

  private static RetryPolicy parseRetry(Map<?, ?> r) {
    int maxAttempts = requiredInt(r, "maxAttempts", "retryPolicy");
    if (maxAttempts < 2) {
      throw new IllegalArgumentException("retryPolicy.maxAttempts must be at least 2");
    }
    Duration initial = optDuration(r, "initialBackoff");
    Duration max = optDuration(r, "maxBackoff");
    if (initial == null || initial.isZero() || initial.isNegative()) {
      throw new IllegalArgumentException("retryPolicy.initialBackoff must be a positive duration");
    }
    if (max == null || max.isZero() || max.isNegative()) {
      throw new IllegalArgumentException("retryPolicy.maxBackoff must be a positive duration");
    }
    Object mult = r.get("backoffMultiplier");
    // Parsed JSON numbers are Doubles; a resolver's call config may hold other Numbers.
    if (!(mult instanceof Number n) || !(n.doubleValue() > 0)) {
      throw new IllegalArgumentException("retryPolicy.backoffMultiplier must be a number > 0");
    }
    double d = n.doubleValue();
    Set<Status.Code> codes = codes(r.get("retryableStatusCodes"), "retryPolicy.retryableStatusCodes");
    if (codes.isEmpty()) {
      throw new IllegalArgumentException("retryPolicy.retryableStatusCodes must not be empty");
    }
    return new RetryPolicy(Math.min(maxAttempts, MAX_ATTEMPTS_CAP), initial, max, d, codes);
  }

  private static HedgingPolicy parseHedging(Map<?, ?> h) {
    int maxAttempts = requiredInt(h, "maxAttempts", "hedgingPolicy");
    if (maxAttempts < 2) {
      throw new IllegalArgumentException("hedgingPolicy.maxAttempts must be at least 2");
    }
    Duration delay = optDuration(h, "hedgingDelay");
    Set<Status.Code> codes = h.get("nonFatalStatusCodes") == null
        ? Set.of() : codes(h.get("nonFatalStatusCodes"), "hedgingPolicy.nonFatalStatusCodes");
    return new HedgingPolicy(Math.min(maxAttempts, MAX_ATTEMPTS_CAP),
        delay == null ? Duration.ZERO : delay, codes);
  }

  private static Set<Status.Code> codes(Object list, String what) {
    if (!(list instanceof List<?> l)) {
      throw new IllegalArgumentException(what + " must be a list");
    }
    Set<Status.Code> codes = EnumSet.noneOf(Status.Code.class);
    for (Object c : l) {
      if (c instanceof Number d) {
        codes.add(Status.Code.of(d.intValue()));
      } else if (c instanceof String s) {
        try {
          codes.add(Status.Code.valueOf(s.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(what + ": unknown status code '" + s + "'");
        }
      } else {
        throw new IllegalArgumentException(what + " entries must be names or numbers");
      }
    }
    return codes;
  }

  private static String optString(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (v != null && !(v instanceof String)) {
      throw new IllegalArgumentException(key + " must be a string");
    }
    return (String) v;
  }

  private static Integer optInt(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (d >= 0 && d == Math.floor(d) && d <= Integer.MAX_VALUE) {
        return (int) d;
      }
    }
    if (v instanceof String s) {
      try {
        return Integer.parseInt(s);
      } catch (NumberFormatException e) {
        // fall through
      }
    }
    throw new IllegalArgumentException(key + " must be a non-negative integer");
  }

  private static int requiredInt(Map<?, ?> m, String key, String where) {
    Integer v = optInt(m, key);
    if (v == null) {
      throw new IllegalArgumentException(where + "." + key + " is required");
    }
    return v;
  }

  /** A JSON duration: {@code "1.5s"} (protobuf Duration JSON form). */
  public static Duration optDuration(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s) || !s.endsWith("s")) {
      throw new IllegalArgumentException(key + " must be a duration string like \"1.5s\"");
    }
    try {
      java.math.BigDecimal seconds = new java.math.BigDecimal(s.substring(0, s.length() - 1));
      if (seconds.signum() < 0) {
        throw new IllegalArgumentException(key + " must not be negative");
      }
      return Duration.ofNanos(seconds.movePointRight(9).longValueExact());
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(key + " must be a duration string like \"1.5s\": " + s);
    }
  }
}
