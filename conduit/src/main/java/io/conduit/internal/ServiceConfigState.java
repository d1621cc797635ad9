package io.conduit.internal;

import io.conduit.CallOptions;
import io.conduit.Deadline;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.resolver.CallConfig;
import io.conduit.resolver.CallConfigSelector;
import io.conduit.resolver.NameResolver;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A channel's service config: the builder's default, the one in force (gRFC A21's choice among
 * the resolver's, the previous and the default), the retry throttle that goes with it, and the
 * calls that wait until the first resolution says which config applies to them.
 */
final class ServiceConfigState {
  /** The channel's logger: users configure the channel, not this part of it. */
  private static final System.Logger LOG = System.getLogger(ChannelImpl.class.getName());

  private final String target;
  private final boolean lookUp;
  private final boolean hasDefault;
  private final ServiceConfig defaultConfig;
  private final Predicate<String> knownPolicy;
  private volatile ServiceConfig inForce;
  /** retryThrottling's token bucket for the config in force, or null. */
  private volatile RetryingClientCall.Throttle throttle;
  /** The resolver's per-call config selector (gRFC A31), or null; replaces methodConfig. */
  private volatile CallConfigSelector selector;
  /** The method configs the selector's calls used, parsed once each. */
  private final java.util.concurrent.ConcurrentHashMap<java.util.Map<String, ?>, MethodConfig>
      selectedConfigs = new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * Whether a resolver result's config, or its lack of one, has been put in force: gRFC A21's
   * "previous config" that an invalid one leaves in place. Synchronization context.
   */
  private boolean resolverConfigSelected;
  /** The invalid-config complaint logged last, so that each resolution does not log it again. */
  private String loggedProblem;

  private final Object lock = new Object();
  /** Calls made before the first resolution, waiting to learn their method config. */
  private final List<Runnable> waiters = new ArrayList<>();
  /**
   * Whether the config is known: the first resolution has ended (or the resolver's configs are
   * ignored). Until then calls wait, so that the resolver's config applies to them too.
   */
  private volatile boolean known;

  /**
   * @throws IllegalArgumentException for an invalid default config
   */
  ServiceConfigState(String target, String defaultJson, boolean lookUp, Predicate<String> knownPolicy) {
    this.target = target;
    this.lookUp = lookUp;
    this.knownPolicy = knownPolicy;
    this.hasDefault = defaultJson != null;
    this.defaultConfig = defaultJson == null ? ServiceConfig.EMPTY : parseDefault(defaultJson);
    this.known = !lookUp;
    apply(defaultConfig);
  }

  private ServiceConfig parseDefault(String json) {
    try {
      return ServiceConfig.parse(json, knownPolicy);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid default service config: " + e.getMessage(), e);
    }
  }

  RetryingClientCall.Throttle throttle() {
    return throttle;
  }

  /** The resolver's per-call config selector, or null. Any thread. */
  CallConfigSelector selector() {
    return selector;
  }

  /** The resolver's latest selector (null: none); the method configs read from the last go. */
  void selector(CallConfigSelector next) {
    if (next != selector) {
      selector = next;
      selectedConfigs.clear();
    }
  }

  /**
   * The method config a selector chose, read once per distinct JSON object.
   *
   * @throws IllegalArgumentException for a method config that does not parse
   */
  MethodConfig methodConfigOf(CallConfig config) {
    if (config.methodConfig().isEmpty()) {
      return null;
    }
    return selectedConfigs.computeIfAbsent(config.methodConfig(), json -> {
      java.util.Map<String, Object> named = new java.util.HashMap<>(json);
      named.put("name", List.of(java.util.Map.of()));
      return MethodConfig.parse(named);
    });
  }

  /** The method's config in force, or null. */
  MethodConfig methodConfig(MethodDescriptor<?, ?> method) {
    ServiceConfig sc = inForce;
    return sc.methodConfigs().isEmpty() ? null : sc.methodConfig(method.serviceName(), method.methodName());
  }

  void apply(ServiceConfig sc) {
    ServiceConfig old = inForce;
    inForce = sc;
    if (sc.retryThrottling() == null) {
      throttle = null;
    } else if (old == null || !sc.retryThrottling().equals(old.retryThrottling()) || throttle == null) {
      throttle = new RetryingClientCall.Throttle(sc.retryThrottling());
    }
  }

  /**
   * The config a resolver result puts in force, per gRFC A21: a valid config from the resolver;
   * the builder's default when the resolver has none (or configs are ignored); for an invalid
   * one, the config already in force, else the default. When there is neither, null, and {@code
   * failure} receives the error: the result then counts as a failed resolution.
   * Synchronization context.
   */
  ServiceConfig select(NameResolver.Result result, java.util.function.Consumer<Status> failure) {
    if (!lookUp) {
      return defaultConfig;
    }
    String problem;
    if (result.serviceConfigError() != null) {
      problem = result.serviceConfigError().description();
    } else if (result.serviceConfigJson() == null) {
      return selected(defaultConfig);
    } else {
      try {
        return selected(ServiceConfig.parse(result.serviceConfigJson(), knownPolicy));
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    String what = "invalid service config from the name resolver for " + target + ": " + problem;
    if (resolverConfigSelected) {
      logProblem(Level.WARNING, what + "; the previous config stays in force");
      return inForce;
    }
    if (hasDefault) {
      logProblem(Level.WARNING, what + "; using the default service config");
      return defaultConfig;
    }
    // No config to fall back on: fail until the resolver has a valid one (or none).
    logProblem(Level.ERROR, what + "; no previous or default config to fall back on, so "
        + "calls fail until the resolver provides a valid one");
    failure.accept(Status.UNAVAILABLE.withDescription(what));
    return null;
  }

  private ServiceConfig selected(ServiceConfig sc) {
    resolverConfigSelected = true;
    loggedProblem = null;
    return sc;
  }

  private void logProblem(Level level, String message) {
    if (!message.equals(loggedProblem)) {
      loggedProblem = message;
      LOG.log(level, message);
    }
  }

  // ---------------------------------------------------------------- calls waiting for the first config

  boolean isKnown() {
    return known;
  }

  /** Queues {@code r} until the config is known; false (and nothing queued) when it is already. */
  boolean waitUntilKnown(Runnable r) {
    synchronized (lock) {
      if (known) {
        return false;
      }
      waiters.add(r);
      return true;
    }
  }

  boolean hasWaiters() {
    synchronized (lock) {
      return !waiters.isEmpty();
    }
  }

  /** The config is known (or will never be: shutdown); returns the calls that waited for it. */
  List<Runnable> markKnown() {
    synchronized (lock) {
      known = true;
      List<Runnable> out = new ArrayList<>(waiters);
      waiters.clear();
      return out;
    }
  }

  /** The call's options with the method config's defaults and limits (the stricter wins). */
  static CallOptions withMethodConfig(CallOptions options, MethodConfig mc, io.conduit.Clock clock) {
    CallOptions o = options;
    if (mc.timeout() != null) {
      Deadline fromConfig = Deadline.after(mc.timeout(), clock);
      o = o.withDeadline(fromConfig.minimum(o.deadline()));
    }
    if (Boolean.TRUE.equals(mc.waitForReady()) && !o.isWaitForReady()) {
      o = o.withWaitForReady(true);
    }
    if (mc.maxRequestMessageBytes() != null) {
      int limit = mc.maxRequestMessageBytes();
      o = o.withMaxOutboundMessageSize(o.maxOutboundMessageSize() < 0 ? limit
          : Math.min(limit, o.maxOutboundMessageSize()));
    }
    if (mc.maxResponseMessageBytes() != null) {
      int limit = mc.maxResponseMessageBytes();
      o = o.withMaxInboundMessageSize(o.maxInboundMessageSize() < 0 ? limit
          : Math.min(limit, o.maxInboundMessageSize()));
    }
    return o;
  }
}
