package io.conduit.opentelemetry.internal;

import io.conduit.Status;
import io.opentelemetry.api.common.Attributes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The attributes of one method's metrics, made once and kept: the base set ({@code grpc.method},
 * and {@code grpc.target} on a client) and that set with each {@code grpc.status}. Made per call
 * they would cost a builder, a sort and two arrays each time.
 */
final class MethodAttributes {
  private static final int CODES = Status.Code.values().length;

  private final Attributes base;
  /** By status code ordinal, made on first use; a race makes equal sets twice, harmlessly. */
  private final Attributes[] withStatus = new Attributes[CODES];

  private MethodAttributes(Attributes base) {
    this.base = base;
  }

  Attributes base() {
    return base;
  }

  Attributes withStatus(Status.Code code) {
    Attributes a = withStatus[code.ordinal()];
    if (a == null) {
      a = base.toBuilder().put(Instruments.STATUS, code.name()).build();
      withStatus[code.ordinal()] = a;
    }
    return a;
  }

  /**
   * Per metric method name. Bounded: with every method name recorded as it comes (the user's
   * opt-in), names are the clients' to choose, so past {@link #MAX} they are made per call.
   */
  static final class Cache {
    static final int MAX = 1_000;

    private final ConcurrentHashMap<String, MethodAttributes> byMethod = new ConcurrentHashMap<>();
    private final Function<String, Attributes> make;

    Cache(Function<String, Attributes> make) {
      this.make = make;
    }

    MethodAttributes get(String methodName) {
      MethodAttributes m = byMethod.get(methodName);
      if (m != null) {
        return m;
      }
      m = new MethodAttributes(make.apply(methodName));
      if (byMethod.size() < MAX) {
        MethodAttributes raced = byMethod.putIfAbsent(methodName, m);
        if (raced != null) {
          return raced;
        }
      }
      return m;
    }
  }
}
