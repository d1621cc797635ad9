package io.conduit.internal.resolver;

import io.conduit.resolver.NameResolver;
import java.net.SocketAddress;
import java.util.List;

/** Resolves to a fixed list: {@code ipv4:}, {@code ipv6:} and {@code unix:} targets. */
final class StaticResolver extends NameResolver {
  private final List<SocketAddress> addresses;

  StaticResolver(List<SocketAddress> addresses) {
    this.addresses = List.copyOf(addresses);
  }

  @Override
  public void start(Listener listener) {
    listener.onResult(Result.of(addresses));
  }

  @Override
  public void shutdown() {}
}
