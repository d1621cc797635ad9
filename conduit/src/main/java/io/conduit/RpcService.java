package io.conduit;

/**
 * Anything that can be served: generated service base classes implement it, so
 * {@code Server.builder().service(new GreeterService())} works.
 */
@FunctionalInterface
public interface RpcService {
  /** {@return the service's methods and handlers, to add to a server} */
  ServiceDefinition definition();

  /**
   * Called once when a server this service was registered on (with
   * {@link Server.Builder#service(RpcService)}) starts shutting down, before it tells clients to
   * go away: a health service, for one, turns NOT_SERVING here so that health-checking clients
   * move on first. Runs on the thread that called {@code shutdown()}; the default does nothing.
   */
  default void onServerShutdown() {}

  /**
   * Called once for each server this service is registered on (with
   * {@link Server.Builder#service(RpcService)}), when that server is built: a service that serves
   * facts about its server, such as server reflection (which lists {@link Server#services()}),
   * keeps it here. Runs on the thread that called {@code build()}; the default does nothing.
   *
   * @param server the server that was built
   */
  default void onRegistered(Server server) {}
}
