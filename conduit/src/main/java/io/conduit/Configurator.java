package io.conduit;

/**
 * Configures channel and server builders: how a plugin (such as {@code conduit-opentelemetry})
 * applies itself to one builder, or, registered with {@link Configurators#registerGlobal}, to
 * every channel and server the program builds from then on.
 */
public interface Configurator {
  /** Configures a channel builder. */
  default void configure(Channel.Builder builder) {}

  /** Configures a server builder. */
  default void configure(Server.Builder builder) {}
}
