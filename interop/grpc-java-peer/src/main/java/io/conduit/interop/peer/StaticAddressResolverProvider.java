package io.conduit.interop.peer;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.StatusOr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code ipv4:} and {@code ipv6:} target schemes of doc/naming.md
 * ({@code ipv4:127.0.0.1:5001,127.0.0.2:5001}), which grpc-java does not have: a fixed list of
 * address literals, one address group per entry, so that round_robin sees every entry as a
 * backend of its own.
 */
final class StaticAddressResolverProvider extends NameResolverProvider {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final String scheme;

  StaticAddressResolverProvider(String scheme) {
    this.scheme = scheme;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return scheme;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI target, NameResolver.Args args) {
    if (!scheme.equals(target.getScheme())) {
      return null;
    }
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    String first = null;
    for (String entry : target.getSchemeSpecificPart().split(",", -1)) {
      entry = entry.trim();
      if (first == null) {
        first = entry;
      }
      groups.add(new EquivalentAddressGroup(parse(entry, args.getDefaultPort(), target)));
    }
    String authority = first;
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return authority;
      }

      @Override
      public void start(Listener2 listener) {
        listener.onResult2(ResolutionResult.newBuilder()
            .setAddressesOrError(StatusOr.fromValue(groups))
            .build());
      }

      @Override
      public void shutdown() {}
    };
  }

  /** {@code a.b.c.d[:port]} or {@code [v6][:port]}: address literals of the scheme, no lookup. */
  private InetSocketAddress parse(String entry, int defaultPort, URI target) {
    String host = entry;
    int port = defaultPort;
    int colon = entry.lastIndexOf(':');
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("unclosed '[' in " + target);
      }
      host = entry.substring(1, close);
      if (close + 1 < entry.length()) {
        port = Integer.parseInt(entry.substring(close + 2));
      }
    } else if (colon >= 0 && entry.indexOf(':') == colon) {
      host = entry.substring(0, colon);
      port = Integer.parseInt(entry.substring(colon + 1));
    }
    boolean literal = scheme.equals("ipv4")
        ? IPV4.matcher(host).matches()
        : host.indexOf(':') >= 0;
    if (literal) {
      try {
        // A literal: getByName parses it without a lookup.
        return new InetSocketAddress(InetAddress.getByName(host), port);
      } catch (UnknownHostException e) {
        // not a valid literal after all
      }
    }
    throw new IllegalArgumentException(
        "not an " + scheme + " address literal: '" + host + "' in " + target);
  }
}
