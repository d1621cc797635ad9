package io.conduit.resolver;

import io.conduit.Clock;
import io.conduit.Status;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Turns a target name into the addresses of its backends, and keeps them current.
 *
 * <p>A channel starts one resolver for its target and asks it to {@link #refresh()} when a
 * connection fails or is told to go away. Every call a channel makes on a resolver, and every
 * call a resolver makes on its {@link Listener}, happens on the channel's
 * {@link Args#syncContext() synchronization context}, one at a time, so implementations need no
 * locks.
 *
 * <p>Resolvers are found by target scheme: register a {@link Provider} on
 * {@code Channel.Builder.nameResolver(...)} or through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.conduit.resolver.NameResolver$Provider}, or {@code provides} in a
 * module declaration).
 */
public abstract class NameResolver {

  /** For resolver implementations. */
  protected NameResolver() {}

  /**
   * Starts resolving; results and errors go to {@code listener}.
   *
   * @param listener receives the results and errors
   */
  public abstract void start(Listener listener);

  /**
   * Asks for a new resolution. A hint: resolvers may rate-limit it, but should not hold back the
   * channel's retries after they reported {@link Listener#onError} (those come with backoff).
   */
  public void refresh() {}

  /** Stops resolving; no more results after this. */
  public abstract void shutdown();

  /** What a resolver reports to. */
  public interface Listener {
    /**
     * A new set of addresses (the whole set, not a change).
     *
     * @param result the addresses and service config
     */
    void onResult(Result result);

    /**
     * Resolution failed; the channel keeps the last good addresses, if any, and calls
     * {@link #refresh()} again after an exponential backoff until a result comes.
     *
     * @param error why resolution failed
     */
    void onError(Status error);
  }

  /**
   * The outcome of a resolution: backend addresses, and optionally the service config (JSON,
   * doc/service_config.md) that came with them, or why the config that came could not be read.
   * The channel applies a valid config, keeps its previous one when {@code serviceConfigError} is
   * set or the config is invalid (gRFC A21), and uses its default config when neither is set. A
   * {@code callConfigSelector} chooses each call's method config (and faults) in place of the
   * service config's {@code methodConfig} list.
   *
   * @param addresses the addresses
   * @param serviceConfigJson the service config as JSON, or {@code null}
   * @param serviceConfigError why the service config could not be read, or {@code null}
   * @param callConfigSelector chooses each call's config, or {@code null}
   */
  public record Result(List<SocketAddress> addresses, String serviceConfigJson,
      Status serviceConfigError, CallConfigSelector callConfigSelector) {
    /**
     * Copies the addresses; refuses both a config and a config error.
     *
     * @param addresses the addresses
     * @param serviceConfigError why the service config could not be read, or {@code null}
     * @param serviceConfigJson the service config as JSON, or {@code null}
     * @param callConfigSelector chooses each call's config, or {@code null}
     */
    public Result {
      addresses = List.copyOf(addresses);
      if (serviceConfigJson != null && serviceConfigError != null) {
        throw new IllegalArgumentException("a service config and a service config error");
      }
    }

    /**
     * Addresses with a service config (or its error), no call config selector.
     *
     * @param addresses the addresses
     * @param serviceConfigJson the service config as JSON, or {@code null}
     * @param serviceConfigError why the service config could not be read, or {@code null}
     */
    public Result(List<SocketAddress> addresses, String serviceConfigJson,
        Status serviceConfigError) {
      this(addresses, serviceConfigJson, serviceConfigError, null);
    }

    /**
     * Addresses with a service config (null for none).
     *
     * @param addresses the addresses
     * @param serviceConfigJson the service config as JSON, or {@code null}
     */
    public Result(List<SocketAddress> addresses, String serviceConfigJson) {
      this(addresses, serviceConfigJson, null, null);
    }

    /**
     * Addresses with no service config.
     *
     * @param addresses the addresses
     * @return the result
     */
    public static Result of(List<? extends SocketAddress> addresses) {
      return new Result(List.copyOf(addresses), null, null, null);
    }

    /**
     * Addresses with a service config that could not be read (bad syntax, a bad choice...).
     *
     * @param addresses the addresses
     * @param error why the service config could not be used
     * @return the result
     */
    public static Result withServiceConfigError(List<? extends SocketAddress> addresses,
        Status error) {
      return new Result(List.copyOf(addresses), null, Objects.requireNonNull(error, "error"),
          null);
    }
  }

  /**
   * What a resolver is given to work with. {@code minRefreshInterval} and {@code refreshPeriod}
   * pace re-resolution; {@code lookUpServiceConfigInDns} asks the DNS resolver to fetch the service
   * config from the {@code _grpc_config.<host>} TXT record (gRFC A2), an extra query per resolution.
   * {@code clock} is the channel's time: read "now" from it, and the channel's {@code scheduler}
   * already runs its timers on it (a test's fake clock included).
   */
  public record Args(int defaultPort, Executor syncContext, ScheduledExecutorService scheduler,
      Duration minRefreshInterval, Duration refreshPeriod, boolean lookUpServiceConfigInDns,
      Clock clock) {
    /**
     * Checks the required parts.
     *
     * @param clock the clock the resolver's timers run on
     * @param defaultPort the port when the target names none
     * @param lookUpServiceConfigInDns whether DNS resolvers also look up the service config
     * @param minRefreshInterval the shortest time between resolutions
     * @param refreshPeriod the time between resolutions when nothing fails, or {@code null} for
     *     never
     * @param scheduler for the resolver's timers
     * @param syncContext runs the resolver's callbacks one at a time
     */
    public Args {
      Objects.requireNonNull(syncContext, "syncContext");
      Objects.requireNonNull(scheduler, "scheduler");
      Objects.requireNonNull(clock, "clock");
    }

    /**
     * On the real clock.
     *
     * @param defaultPort the port when the target names none
     * @param syncContext runs the resolver's callbacks one at a time
     * @param scheduler for the resolver's timers
     * @param minRefreshInterval the shortest time between resolutions
     * @param refreshPeriod the time between resolutions when nothing fails, or {@code null} for
     *     never
     * @param lookUpServiceConfigInDns whether DNS resolvers also look up the service config
     */
    public Args(int defaultPort, Executor syncContext, ScheduledExecutorService scheduler,
        Duration minRefreshInterval, Duration refreshPeriod, boolean lookUpServiceConfigInDns) {
      this(defaultPort, syncContext, scheduler, minRefreshInterval, refreshPeriod,
          lookUpServiceConfigInDns, Clock.SYSTEM);
    }

    /**
     * Without DNS service config lookups, on the real clock.
     *
     * @param defaultPort the port when the target names none
     * @param syncContext runs the resolver's callbacks one at a time
     * @param scheduler for the resolver's timers
     * @param minRefreshInterval the shortest time between resolutions
     * @param refreshPeriod the time between resolutions when nothing fails, or {@code null} for
     *     never
     */
    public Args(int defaultPort, Executor syncContext, ScheduledExecutorService scheduler,
        Duration minRefreshInterval, Duration refreshPeriod) {
      this(defaultPort, syncContext, scheduler, minRefreshInterval, refreshPeriod, false);
    }
  }

  /** Creates resolvers for one URI scheme. */
  public interface Provider {
    /** {@return the scheme this provider handles: {@code dns}, {@code ipv4}, {@code unix}..} */
    String scheme();

    /**
     * A resolver for {@code target}; throws {@link IllegalArgumentException} for a bad one.
     *
     * @param target the target URI
     * @param args the channel's settings for resolvers
     * @return the resolver, not started
     */
    NameResolver newResolver(URI target, Args args);
  }
}
