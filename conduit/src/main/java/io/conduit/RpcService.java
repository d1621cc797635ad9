package io.conduit;

/**
 * Anything that can be served: generated service base classes implement it, so
 * {@code Server.builder().service(new GreeterService())} works.
 */
@FunctionalInterface
public interface RpcService {
  ServiceDefinition definition();
}
