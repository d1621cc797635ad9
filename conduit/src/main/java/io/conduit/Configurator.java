package io.conduit;

/**
 * Configures channel and server builders: how a plugin (such as {@code conduit-opentelemetry})
 * applies itself to one builder, or, registered with {@link Configurators#registerGlobal}, to
 * every channel and server the program builds from then on.
 */
public interface Configurator {
  /**
   * Configures a channel builder.
   *
   * @param builder the builder to configure
   */
  default void configure(Channel.Builder builder) {}

  /**
   * Configures a server builder.
   *
   * @param builder the builder to configure
   */
  default void configure(Server.Builder builder) {}

  /**
   * The channel a builder this configurator configured as a global one has built (not called
   * for builders it was applied to by hand). For plugins that keep track of channels: a test
   * kit, an admin page.
   *
   * @param channel the new channel
   */
  default void built(Channel channel) {}

  /**
   * The server a builder this configurator configured as a global one has built.
   *
   * @param server the new server
   */
  default void built(Server server) {}
}
