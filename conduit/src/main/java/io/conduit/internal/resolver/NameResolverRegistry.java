package io.conduit.internal.resolver;

import io.conduit.resolver.NameResolver;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Resolvers by scheme (doc/naming.md): {@code dns}, {@code ipv4}, {@code ipv6}, {@code unix},
 * plus ServiceLoader's and the builder's providers. A target with no known scheme is a DNS name.
 */
public final class NameResolverRegistry {
  private final Map<String, NameResolver.Provider> providers = new HashMap<>();

  public NameResolverRegistry(List<NameResolver.Provider> extra) {
    for (NameResolver.Provider p : ServiceLoader.load(NameResolver.Provider.class)) {
      providers.put(p.scheme(), p);
    }
    extra.forEach(p -> providers.put(p.scheme(), p));
  }

  /** The target as a URI with a known scheme: {@code host:port} becomes {@code dns:///host:port}. */
  public URI normalize(String target) {
    try {
      URI uri = new URI(target);
      if (uri.getScheme() != null && isKnown(uri.getScheme())) {
        return uri;
      }
    } catch (java.net.URISyntaxException e) {
      // Not a URI: a plain host:port.
    }
    return URI.create("dns:///" + target);
  }

  private boolean isKnown(String scheme) {
    return providers.containsKey(scheme)
        || List.of("dns", "ipv4", "ipv6", "unix").contains(scheme);
  }

  /** The authority calls carry by default for this target. */
  public static String defaultAuthority(URI target) {
    return switch (target.getScheme()) {
      case "dns" -> stripSlash(target.getPath());
      case "unix" -> "localhost";
      default -> target.getSchemeSpecificPart().split(",")[0];
    };
  }

  public NameResolver newResolver(URI target, NameResolver.Args args) {
    NameResolver.Provider custom = providers.get(target.getScheme());
    if (custom != null) {
      return custom.newResolver(target, args);
    }
    return switch (target.getScheme()) {
      case "dns" -> dns(target, args);
      case "ipv4", "ipv6" -> new StaticResolver(ipList(target, args.defaultPort()));
      case "unix" -> new StaticResolver(List.of(UnixDomainSocketAddress.of(
          target.getPath() != null ? target.getPath() : target.getSchemeSpecificPart())));
      default -> throw new IllegalArgumentException("no resolver for scheme '" + target.getScheme()
          + "' in target " + target);
    };
  }

  private static NameResolver dns(URI target, NameResolver.Args args) {
    String hostPort = stripSlash(target.getPath());
    if (hostPort.isEmpty()) {
      throw new IllegalArgumentException("dns target without a host: " + target);
    }
    InetSocketAddress hp = parseHostPort(hostPort, args.defaultPort());
    InetSocketAddress nameServer = null;
    if (target.getAuthority() != null && !target.getAuthority().isEmpty()) {
      nameServer = parseHostPort(target.getAuthority(), 53);
      nameServer = new InetSocketAddress(nameServer.getHostString(), nameServer.getPort());
    }
    return new DnsResolver(hp.getHostString(), hp.getPort(), nameServer, args);
  }

  private static List<SocketAddress> ipList(URI target, int defaultPort) {
    List<SocketAddress> out = new ArrayList<>();
    for (String part : target.getSchemeSpecificPart().split(",")) {
      InetSocketAddress a = parseHostPort(part.trim(), defaultPort);
      // IP literals only: no lookup happens here.
      out.add(new InetSocketAddress(a.getHostString(), a.getPort()));
    }
    return out;
  }

  /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}; unresolved. */
  static InetSocketAddress parseHostPort(String s, int defaultPort) {
    String host;
    int port = defaultPort;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("unclosed '[' in " + s);
      }
      host = s.substring(1, close);
      if (close + 1 < s.length()) {
        if (s.charAt(close + 1) != ':') {
          throw new IllegalArgumentException("expected ':port' after ']' in " + s);
        }
        port = parsePort(s.substring(close + 2), s);
      }
    } else {
      int colon = s.lastIndexOf(':');
      if (colon >= 0 && s.indexOf(':') == colon) {
        host = s.substring(0, colon);
        port = parsePort(s.substring(colon + 1), s);
      } else {
        host = s;
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("empty host in " + s);
    }
    if (port < 0) {
      throw new IllegalArgumentException("no port in '" + s + "' and no default port");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  private static int parsePort(String p, String whole) {
    try {
      int port = Integer.parseInt(p);
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port out of range in " + whole);
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid port in " + whole, e);
    }
  }

  private static String stripSlash(String path) {
    return path == null ? "" : path.startsWith("/") ? path.substring(1) : path;
  }
}
