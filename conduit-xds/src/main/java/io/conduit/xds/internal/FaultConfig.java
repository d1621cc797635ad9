package io.conduit.xds.internal;

import io.conduit.Metadata;
import io.conduit.Status;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One fault injection filter's settings (gRFC A33), from the listener's filter chain or a
 * route's override: a delay and an abort, each for a share of the calls, either fixed or as the
 * call's {@code x-envoy-fault-*} headers say (a percentage header is a numerator over the
 * configured denominator, used when below the configured one). As in gRFC A33, the filter's
 * {@code headers} matchers and {@code max_active_faults} are not used.
 *
 * @param fixedDelay the delay, or {@code null}
 * @param headerDelay whether the delay comes from {@code x-envoy-fault-delay-request}
 * @param delay the share of calls delayed
 * @param abort the status aborted calls end with, or {@code null}
 * @param headerAbort whether the abort comes from {@code x-envoy-fault-abort-*request}
 * @param aborted the share of calls aborted
 */
record FaultConfig(Duration fixedDelay, boolean headerDelay, Share delay, Status abort,
    boolean headerAbort, Share aborted) {
  /**
   * A share of calls: {@code numerator} over the denominator that {@code perMillionEach} stands
   * for (10,000 for HUNDRED, 100 for TEN_THOUSAND, 1 for MILLION).
   *
   * @param numerator the numerator
   * @param perMillionEach millionths per unit of the numerator
   */
  record Share(long numerator, int perMillionEach) {
    static final Share NONE = new Share(0, 1);

    long perMillion() {
      return numerator * perMillionEach;
    }

    /** The share a percentage header asks for, when it is below this one. */
    Share capped(String header) {
      Long n = number(header);
      return n != null && n >= 0 && n < numerator ? new Share(n, perMillionEach) : this;
    }
  }
  static final String DELAY_HEADER = "x-envoy-fault-delay-request";
  static final String DELAY_PERCENT_HEADER = "x-envoy-fault-delay-request-percentage";
  static final String ABORT_GRPC_HEADER = "x-envoy-fault-abort-grpc-request";
  static final String ABORT_HTTP_HEADER = "x-envoy-fault-abort-request";
  static final String ABORT_PERCENT_HEADER = "x-envoy-fault-abort-request-percentage";
  private static final String MESSAGE = "RPC terminated due to fault injection";

  /** The delay for this call, or {@code null}. */
  Duration delay(Metadata metadata) {
    Duration d = fixedDelay;
    Share share = delay;
    if (headerDelay) {
      Long ms = number(metadata.get(DELAY_HEADER));
      if (ms == null || ms < 0) {
        return null;
      }
      d = Duration.ofMillis(ms);
      share = share.capped(metadata.get(DELAY_PERCENT_HEADER));
    }
    return d != null && chosen(share) ? d : null;
  }

  /** The status to abort this call with, or {@code null}. */
  Status abort(Metadata metadata) {
    Status s = abort;
    Share share = aborted;
    if (headerAbort) {
      Long grpc = number(metadata.get(ABORT_GRPC_HEADER));
      Long http = number(metadata.get(ABORT_HTTP_HEADER));
      if (grpc != null && grpc > 0 && grpc <= 16) {
        s = Status.fromCodeValue(grpc.intValue()).withDescription(MESSAGE);
      } else if (http != null && http >= 200 && http < 600) {
        s = Status.fromCodeValue(httpToGrpc(http.intValue()).value()).withDescription(MESSAGE);
      } else {
        return null;
      }
      share = share.capped(metadata.get(ABORT_PERCENT_HEADER));
    }
    return s != null && chosen(share) ? s : null;
  }

  private static boolean chosen(Share share) {
    long perMillion = share.perMillion();
    return perMillion >= 1_000_000
        || ThreadLocalRandom.current().nextInt(1_000_000) < perMillion;
  }

  private static Long number(String s) {
    if (s == null) {
      return null;
    }
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** doc/http-grpc-status-mapping.md. */
  static Status.Code httpToGrpc(int http) {
    return switch (http) {
      case 400 -> Status.Code.INTERNAL;
      case 401 -> Status.Code.UNAUTHENTICATED;
      case 403 -> Status.Code.PERMISSION_DENIED;
      case 404 -> Status.Code.UNIMPLEMENTED;
      case 429, 502, 503, 504 -> Status.Code.UNAVAILABLE;
      default -> Status.Code.UNKNOWN;
    };
  }

  static String message() {
    return MESSAGE;
  }
}
