package io.conduit.balancer;

import io.conduit.CallOptions;
import io.conduit.ConnectivityState;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Decides which backend each call goes to. A balancer owns subchannels (one per address it wants
 * to use), watches their states, and publishes a {@link Picker} that the channel asks, inline on
 * the calling thread, for every call.
 *
 * <p>All methods are called on the channel's synchronization context, one at a time; so are the
 * subchannel state listeners. Only {@link Picker#pick} runs elsewhere (any thread, concurrently).
 *
 * <p>Policies are found by name: {@code pick_first} (the default) and {@code round_robin} are
 * built in; register a {@link Provider} on the channel builder or through
 * {@link java.util.ServiceLoader} (a {@code META-INF/services} file or {@code provides} in a
 * module declaration) for your own.
 */
public abstract class LoadBalancer {

  /** For policy implementations. */
  protected LoadBalancer() {}

  /**
   * New addresses from the resolver, with this policy's config from the service config.
   *
   * @param addresses the addresses, never empty
   * @param config this policy's config from the service config, or an empty map
   */
  public abstract void acceptResolvedAddresses(List<SocketAddress> addresses, Map<String, ?> config);

  /**
   * The resolver failed; keep using what works, or report the failure if nothing does.
   *
   * @param error why resolution failed
   */
  public abstract void handleResolutionError(Status error);

  /** The channel left idle: connect if the policy connects lazily. */
  public void requestConnection() {}

  /** Shuts down every subchannel. */
  public abstract void shutdown();

  /** What the channel offers a balancer. */
  public interface Helper {
    /**
     * A new subchannel to {@code address}; it starts IDLE.
     *
     * @param address the address to connect to
     * @return the subchannel
     */
    Subchannel createSubchannel(SocketAddress address);

    /**
     * Publishes a new aggregate state and the picker that goes with it.
     *
     * @param state the aggregate state
     * @param picker picks for the calls from now on
     */
    void updateState(ConnectivityState state, Picker picker);

    /** Asks the resolver to resolve again (a connection failed or went away). */
    void refreshNameResolution();

    /** {@return the synchronization context balancer code runs on} */
    Executor syncContext();

    /**
     * For the balancer's timers. They run on the channel's clock ({@code Channel.Builder.clock}),
     * so a test that advances a fake clock advances them too.
     *
     * @return the scheduler
     */
    ScheduledExecutorService scheduler();

    /**
     * The channel's clock ({@code Channel.Builder.clock}): read "now" from it, as the
     * {@link #scheduler()}'s timers do, so that a test's fake clock moves both.
     *
     * @return the clock
     */
    default io.conduit.Clock clock() {
      return io.conduit.Clock.SYSTEM;
    }
  }

  /**
   * What a picker knows about the call it picks for: its method, options and request metadata
   * (as the application and its interceptors set it; pickers read it, they must not change it).
   */
  public record PickArgs(MethodDescriptor<?, ?> method, CallOptions options, Metadata headers) {}

  /** Chooses a subchannel for a call; must be fast and thread-safe. */
  @FunctionalInterface
  public interface Picker {
    /**
     * Chooses where a call goes; called on any thread, so it must not block.
     *
     * @param args the call's method and headers
     * @return the decision
     */
    PickResult pick(PickArgs args);
  }

  /**
   * Hears how a call that a pick placed ended, for policies that count the calls in flight on
   * each backend ({@code least_request_experimental}) or read what backends report in trailers.
   */
  @FunctionalInterface
  public interface CallEndListener {
    /**
     * The call's stream on the picked subchannel ended; called once for every pick that chose a
     * subchannel, on the transport's or the picking thread, so it must be quick. A pick that
     * placed no stream reports at once, with empty trailers: CANCELLED when the call had ended,
     * UNAVAILABLE when the subchannel was no longer READY (the call is picked again).
     *
     * @param status the stream's status
     * @param trailers the trailers the server sent (empty when none)
     */
    void callEnded(Status status, Metadata trailers);
  }

  /**
   * A pick: a subchannel to use, an error to fail the call with (unless it waits for ready), or
   * nothing yet (the call waits for the next picker).
   *
   * @param subchannel where the call goes, or {@code null}
   * @param error the status to fail the call with, or {@code null}
   * @param drop whether {@code error} fails even a wait-for-ready call
   * @param callEndListener hears how the call placed on {@code subchannel} ended, or {@code null}
   */
  public record PickResult(Subchannel subchannel, Status error, boolean drop,
      CallEndListener callEndListener) {
    private static final PickResult NO_RESULT = new PickResult(null, null, false, null);

    /**
     * A pick that sends the call on {@code subchannel}.
     *
     * @param subchannel the subchannel to use
     * @return the pick
     */
    public static PickResult withSubchannel(Subchannel subchannel) {
      return withSubchannel(subchannel, null);
    }

    /**
     * A pick that sends the call on {@code subchannel} and tells {@code listener} how it ended.
     *
     * @param subchannel the subchannel to use
     * @param listener hears the end of the call's stream on {@code subchannel}; may be
     *     {@code null}
     * @return the pick
     */
    public static PickResult withSubchannel(Subchannel subchannel, CallEndListener listener) {
      return new PickResult(Objects.requireNonNull(subchannel, "subchannel"), null, false, listener);
    }

    /**
     * Fail the call with {@code error}, unless it is wait-for-ready.
     *
     * @param error the status the call fails with
     * @return the pick
     */
    public static PickResult withError(Status error) {
      return new PickResult(null, Objects.requireNonNull(error, "error"), false, null);
    }

    /**
     * Fail the call with {@code error} even if it is wait-for-ready.
     *
     * @param error the status the call fails with
     * @return the pick
     */
    public static PickResult withDrop(Status error) {
      return new PickResult(null, Objects.requireNonNull(error, "error"), true, null);
    }

    /**
     * No decision yet: the call waits for the next picker.
     *
     * @return the pick
     */
    public static PickResult withNoResult() {
      return NO_RESULT;
    }
  }

  /** Creates balancers of one policy. */
  public interface Provider {
    /**
     * {@return the policy name used in service config and on the builder, e.g. {@code round_robin}}
     */
    String policyName();

    /**
     * A balancer for one channel, talking to it through {@code helper}.
     *
     * @param helper the channel's side of the balancer
     * @return the balancer
     */
    LoadBalancer newLoadBalancer(Helper helper);
  }
}
