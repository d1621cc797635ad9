package io.conduit.resolver;

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
 * ({@code META-INF/services/io.conduit.resolver.NameResolver$Provider}).
 */
public abstract class NameResolver {

  /** Starts resolving; results and errors go to {@code listener}. */
  public abstract void start(Listener listener);

  /** Asks for a new resolution (a hint: resolvers may rate-limit it). */
  public void refresh() {}

  /** Stops resolving; no more results after this. */
  public abstract void shutdown();

  /** What a resolver reports to. */
  public interface Listener {
    /** A new set of addresses (the whole set, not a change). */
    void onResult(Result result);

    /** Resolution failed; the channel keeps the last good addresses, if any. */
    void onError(Status error);
  }

  /**
   * The outcome of a resolution: backend addresses, and optionally a service config (JSON) that
   * came with them.
   */
  public record Result(List<SocketAddress> addresses, String serviceConfigJson) {
    public Result {
      addresses = List.copyOf(addresses);
    }

    public static Result of(List<? extends SocketAddress> addresses) {
      return new Result(List.copyOf(addresses), null);
    }
  }

  /** What a resolver is given to work with. */
  public record Args(int defaultPort, Executor syncContext, ScheduledExecutorService scheduler,
      Duration minRefreshInterval, Duration refreshPeriod) {
    public Args {
      Objects.requireNonNull(syncContext, "syncContext");
      Objects.requireNonNull(scheduler, "scheduler");
    }
  }

  /** Creates resolvers for one URI scheme. */
  public interface Provider {
    /** The scheme this provider handles: {@code dns}, {@code ipv4}, {@code unix}... */
    String scheme();

    /** A resolver for {@code target}; throws {@link IllegalArgumentException} for a bad one. */
    NameResolver newResolver(URI target, Args args);
  }
}
