package io.conduit.internal.resolver;

import io.conduit.Status;
import io.conduit.internal.transport.EventLoops;
import io.conduit.resolver.NameResolver;
import io.netty.channel.EventLoop;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code dns:} targets, resolved asynchronously (A and AAAA) with Netty's DNS client, against the
 * system's name servers or the one named in the target ({@code dns://10.0.0.2:53/host:port}).
 * Refreshes are rate-limited to one per {@code minRefreshInterval}; an optional period refreshes
 * on its own.
 */
final class DnsResolver extends NameResolver {
  private final String host;
  private final int port;
  private final InetSocketAddress nameServer;
  private final Args args;
  private final EventLoop loop;
  private io.netty.resolver.dns.DnsNameResolver dns;
  private Listener listener;
  private boolean resolving;
  private boolean shutdown;
  private long lastResolutionNanos;
  private ScheduledFuture<?> pendingRefresh;
  private ScheduledFuture<?> periodic;

  DnsResolver(String host, int port, InetSocketAddress nameServer, Args args) {
    this.host = host;
    this.port = port;
    this.nameServer = nameServer;
    this.args = args;
    this.loop = EventLoops.group().next();
  }

  @Override
  public void start(Listener listener) {
    this.listener = listener;
    DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
        .datagramChannelType(EventLoops.datagramChannel())
        .resolveCache(NoopDnsCache.INSTANCE)
        .cnameCache(NoopDnsCnameCache.INSTANCE)
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
        .nameServerProvider(nameServer == null
            ? DnsServerAddressStreamProviders.platformDefault()
            : new SingletonDnsServerAddressStreamProvider(nameServer));
    dns = b.build();
    resolve();
    if (args.refreshPeriod() != null && !args.refreshPeriod().isZero()) {
      long nanos = args.refreshPeriod().toNanos();
      periodic = args.scheduler().scheduleAtFixedRate(
          () -> args.syncContext().execute(this::refresh), nanos, nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void refresh() {
    if (shutdown || resolving || pendingRefresh != null) {
      return;
    }
    long wait = lastResolutionNanos + args.minRefreshInterval().toNanos() - System.nanoTime();
    if (wait <= 0) {
      resolve();
    } else {
      // Too soon after the last one: do it once the interval has passed.
      pendingRefresh = args.scheduler().schedule(() -> args.syncContext().execute(() -> {
        pendingRefresh = null;
        resolve();
      }), wait, TimeUnit.NANOSECONDS);
    }
  }

  private void resolve() {
    if (shutdown || resolving) {
      return;
    }
    resolving = true;
    lastResolutionNanos = System.nanoTime();
    dns.resolveAll(host).addListener(f -> args.syncContext().execute(() -> {
      resolving = false;
      if (shutdown) {
        return;
      }
      if (!f.isSuccess()) {
        listener.onError(Status.UNAVAILABLE.withDescription("DNS resolution of '" + host
            + "' failed: " + f.cause().getMessage()).withCause(f.cause()));
        return;
      }
      @SuppressWarnings("unchecked")
      List<InetAddress> found = (List<InetAddress>) f.getNow();
      List<SocketAddress> addresses = new ArrayList<>();
      for (InetAddress a : found) {
        addresses.add(new InetSocketAddress(a, port));
      }
      listener.onResult(Result.of(addresses));
    }));
  }

  @Override
  public void shutdown() {
    shutdown = true;
    if (pendingRefresh != null) {
      pendingRefresh.cancel(false);
    }
    if (periodic != null) {
      periodic.cancel(false);
    }
    if (dns != null) {
      dns.close();
    }
  }
}
