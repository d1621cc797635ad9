package io.conduit.internal.resolver;

import io.conduit.resolver.NameResolver;
import java.net.SocketAddress;
import java.util.List;

/** Resolves to a fixed list: {@code ipv4:}, {@code ipv6:} and {@code unix:} targets. */
final class StaticResolver extends NameResolver {
  private final List<SocketAddress> addresses;
  private Listener listener;

  StaticResolver(List<SocketAddress> addresses) {
    this.addresses = List.copyOf(addresses);
  }

  @Override
  public void start(Listener listener) {
    this.listener = listener;
    listener.onResult(Result.of(addresses));
  }

  /**
   * Answers again with the same list: the balancer, waiting for a fresh answer after a lost
   * connection, learns at once that the addresses have not moved.
   */
  @Override
  public void refresh() {
    if (listener != null) {
      listener.onResult(Result.of(addresses));
    }
  }

  @Override
  public void shutdown() {}
}
