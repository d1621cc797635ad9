package io.conduit.internal.resolver;

import io.conduit.Status;
import io.conduit.internal.netty.EventLoops;
import io.conduit.resolver.NameResolver;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code dns:} targets, resolved asynchronously (A and AAAA) with Netty's DNS client, against the
 * system's name servers or the one named in the target ({@code dns://10.0.0.2:53/host:port}).
 * Refreshes are rate-limited to one per {@code minRefreshInterval} after a successful resolution
 * (after a failed one the channel paces retries with its backoff); an optional period refreshes on
 * its own. When {@link Args#lookUpServiceConfigInDns()}, each resolution also reads the service
 * config from the {@code _grpc_config.<host>} TXT record (gRFC A2, see {@link DnsServiceConfig}).
 */
final class DnsResolver extends NameResolver {
  private final String host;
  private final int port;
  private final InetSocketAddress nameServer;
  private final Args args;
  private final EventLoop loop;
  /** The channel's scheduler, with its timers on {@code args.clock()} whoever built the args. */
  private final java.util.concurrent.ScheduledExecutorService timers;
  private io.netty.resolver.dns.DnsNameResolver dns;
  private Listener listener;
  private boolean resolving;
  private boolean shutdown;
  private long lastResolutionNanos;
  /** Whether the last resolution found addresses: only then do refreshes wait for the interval. */
  private boolean lastSucceeded;
  private ScheduledFuture<?> pendingRefresh;
  private ScheduledFuture<?> periodic;

  DnsResolver(String host, int port, InetSocketAddress nameServer, Args args) {
    this.host = host;
    this.port = port;
    this.nameServer = nameServer;
    this.args = args;
    this.loop = EventLoops.group().next();
    this.timers = io.conduit.internal.ClockScheduler.of(args.clock(), args.scheduler());
  }

  @Override
  public void start(Listener listener) {
    this.listener = listener;
    DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
        .datagramChannelType(EventLoops.datagramChannel())
        .resolveCache(NoopDnsCache.INSTANCE)
        .cnameCache(NoopDnsCnameCache.INSTANCE)
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
        // Truncated UDP answers (long TXT configs, many addresses) are asked again over TCP.
        .socketChannelType(EventLoops.tcpSocketChannel())
        .nameServerProvider(nameServer == null
            ? DnsServerAddressStreamProviders.platformDefault()
            : new SingletonDnsServerAddressStreamProvider(nameServer));
    dns = b.build();
    resolve();
    if (args.refreshPeriod() != null && !args.refreshPeriod().isZero()) {
      long nanos = args.refreshPeriod().toNanos();
      periodic = timers.scheduleAtFixedRate(
          () -> args.syncContext().execute(this::refresh), nanos, nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void refresh() {
    if (shutdown || resolving) {
      return;
    }
    if (!lastSucceeded) {
      // A retry after a failure: the channel's backoff paces these, not the interval.
      if (pendingRefresh != null) {
        pendingRefresh.cancel(false);
        pendingRefresh = null;
      }
      resolve();
      return;
    }
    if (pendingRefresh != null) {
      return;
    }
    long wait = lastResolutionNanos + args.minRefreshInterval().toNanos() - args.clock().nanoTime();
    if (wait <= 0) {
      resolve();
    } else {
      // Too soon after the last one: do it once the interval has passed.
      pendingRefresh = timers.schedule(() -> args.syncContext().execute(() -> {
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
    lastResolutionNanos = args.clock().nanoTime();
    Future<List<InetAddress>> addresses = dns.resolveAll(host);
    Future<List<String>> txt = args.lookUpServiceConfigInDns() && hasTxtConfig() ? lookUpTxt() : null;
    addresses.addListener(a -> {
      if (txt == null) {
        args.syncContext().execute(() -> resolved(addresses, null));
      } else {
        txt.addListener(t -> args.syncContext().execute(() -> resolved(addresses, txt)));
      }
    });
  }

  /** IP literals and localhost have no DNS records of their own to hold a config (as grpc-java). */
  private boolean hasTxtConfig() {
    return !host.equalsIgnoreCase("localhost") && !NetUtil.isValidIpV4Address(host)
        && !NetUtil.isValidIpV6Address(host);
  }

  /** The texts of the {@code _grpc_config.<host>} TXT records; fails when there are none. */
  private Future<List<String>> lookUpTxt() {
    Promise<List<String>> texts = loop.newPromise();
    dns.resolveAll(new DefaultDnsQuestion(DnsServiceConfig.NAME_PREFIX + host, DnsRecordType.TXT))
        .addListener(f -> {
          if (!f.isSuccess()) {
            texts.setFailure(f.cause());
            return;
          }
          @SuppressWarnings("unchecked")
          List<DnsRecord> records = (List<DnsRecord>) f.getNow();
          try {
            List<String> out = new ArrayList<>();
            for (DnsRecord r : records) {
              if (r instanceof DnsRawRecord raw && r.type() == DnsRecordType.TXT) {
                out.add(DnsServiceConfig.txtText(raw.content()));
              }
            }
            texts.setSuccess(out);
          } catch (RuntimeException e) {
            texts.setFailure(e); // the addresses still come
          } finally {
            // Netty hands out retained records: release them here, whatever happens next.
            records.forEach(ReferenceCountUtil::release);
          }
        });
    return texts;
  }

  private void resolved(Future<List<InetAddress>> f, Future<List<String>> txt) {
    resolving = false;
    if (shutdown) {
      return;
    }
    lastSucceeded = f.isSuccess();
    if (!f.isSuccess()) {
      listener.onError(Status.UNAVAILABLE.withDescription("DNS resolution of '" + host
          + "' failed: " + f.cause().getMessage()).withCause(f.cause()));
      return;
    }
    List<SocketAddress> addresses = new ArrayList<>();
    for (InetAddress a : f.getNow()) {
      addresses.add(new InetSocketAddress(a, port));
    }
    // No TXT record, or a failed lookup, means no config: the addresses still count (gRFC A2).
    if (txt == null || !txt.isSuccess()) {
      listener.onResult(Result.of(addresses));
      return;
    }
    String config;
    try {
      config = DnsServiceConfig.choose(txt.getNow(), () -> ThreadLocalRandom.current().nextInt(100),
          DnsServiceConfig::localHostname);
    } catch (IllegalArgumentException e) {
      listener.onResult(Result.withServiceConfigError(addresses, Status.UNAVAILABLE.withDescription(
          "invalid grpc_config in the TXT record of " + DnsServiceConfig.NAME_PREFIX + host + ": "
          + e.getMessage()).withCause(e)));
      return;
    }
    listener.onResult(new Result(addresses, config));
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
