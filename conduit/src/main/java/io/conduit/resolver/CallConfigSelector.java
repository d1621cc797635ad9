package io.conduit.resolver;

import io.conduit.Metadata;
import io.conduit.MethodDescriptor;

/**
 * Chooses the config of each call from more than its method's name (gRFC A31's config selector):
 * an xDS resolver's routes match on path and headers, and each route has its own timeout, retry
 * policy and faults. A resolver gives one with its {@link NameResolver.Result}; it takes the place
 * of the service config's {@code methodConfig} for that channel's calls.
 */
@FunctionalInterface
public interface CallConfigSelector {
  /**
   * The config for a call that is starting; called on the starting thread, so it must be quick.
   *
   * @param method the call's method
   * @param headers the call's request headers (read them, do not change them)
   * @return the config; {@link CallConfig#DEFAULT} for none
   */
  CallConfig select(MethodDescriptor<?, ?> method, Metadata headers);
}
