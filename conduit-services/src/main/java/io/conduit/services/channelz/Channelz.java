package io.conduit.services.channelz;

import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.services.internal.channelz.ChannelzRegistry;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Channelz ({@code grpc.channelz.v1.Channelz}), which tools such as grpcdebug and the
 * {@code conduit channelz} command read: the process's servers and channels with their calls
 * started, succeeded and failed and when the last one started, each channel's state and target,
 * each server's listening address.
 *
 * <pre>{@code
 * Server.Builder builder = Server.builder().port(50051).service(new GreeterService());
 * Channelz.get().addTo(builder);                                // counts it, serves channelz
 * Channel backend = Channelz.get().track(Channel.builder("dns:///backend:443"));
 * }</pre>
 *
 * <p>Servers and channels are counted by tracers on the runtime's stats hook
 * ({@code Server.Builder.tracer}, {@code Channel.Builder.tracer}), so only those given to
 * {@link #addTo} and {@link #track} are listed; a server counts every call that reaches it,
 * unknown methods included, a channel every call (not each retry attempt). Behind them channelz
 * shows a tracked channel's subchannels (target address, state, and calls: the streams of its
 * connections, closed ones included) and the sockets of its and a server's HTTP/2 connections:
 * addresses, streams started, succeeded and failed (by their status), messages sent and
 * received, keepalive PINGs sent, when the last stream and message came and went, the
 * connection-level flow-control windows, and the TLS cipher suite and certificates. The transport
 * counts these in plain fields on each connection's event loop (no lock, no allocation per
 * message) and channelz reads them there when asked.
 */
public final class Channelz {
  private static final Channelz PROCESS = new Channelz(InstantSource.system());

  private final ChannelzRegistry registry;

  private Channelz(InstantSource time) {
    this.registry = new ChannelzRegistry(time);
  }

  /** {@return the process's channelz, on the system's time} */
  public static Channelz get() {
    return PROCESS;
  }

  /**
   * A channelz of its own, its timestamps from {@code time}: for tests.
   *
   * @param time the source of the timestamps channelz reports
   * @return a new channelz that counts only what is registered with it
   */
  public static Channelz create(InstantSource time) {
    return new Channelz(Objects.requireNonNull(time, "time"));
  }

  /**
   * Counts the calls of the server {@code builder} builds (with a tracer on the runtime's stats
   * hook) and serves channelz on it; the server is listed once built.
   *
   * @param builder the builder of the server to count and serve channelz on
   */
  public void addTo(Server.Builder builder) {
    ChannelzRegistry.ServerRegistration registration = registry.newServer();
    builder.tracer(registration.tracer()).service(registration.service());
  }

  /**
   * Builds the channel, counting its calls; it is listed until it terminates.
   *
   * @param builder the builder of the channel to count
   * @return the built channel
   */
  public Channel track(Channel.Builder builder) {
    ChannelzRegistry.ChannelRegistration registration = registry.newChannel();
    Channel channel = builder.tracer(registration.tracer()).build();
    registry.channelBuilt(registration.handle(), channel);
    return channel;
  }
}
