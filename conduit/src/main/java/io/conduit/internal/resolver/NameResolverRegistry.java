package io.conduit.internal.resolver;

import io.conduit.internal.netty.EventLoops;
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

  private static final List<String> BUILT_IN = List.of("dns", "ipv4", "ipv6", "unix", "unix-abstract",
      "inprocess");
  private static final java.util.regex.Pattern SCHEME =
      java.util.regex.Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*):(.*)", java.util.regex.Pattern.DOTALL);

  /**
   * The target as a URI with a known scheme: {@code host:port} becomes {@code dns:///host:port}.
   *
   * @throws IllegalArgumentException when the target cannot be a URI or a host name
   */
  public URI normalize(String target) {
    if (target.isBlank()) {
      throw new IllegalArgumentException("empty target");
    }
    java.util.regex.Matcher m = SCHEME.matcher(target);
    if (m.matches()) {
      checkNotAUrl(target, m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2));
    }
    if (m.matches() && isKnown(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
      // Schemes are case-insensitive: DNS:///host is dns:///host.
      String scheme = m.group(1).toLowerCase(java.util.Locale.ROOT);
      try {
        return new URI(scheme + ":" + m.group(2));
      } catch (java.net.URISyntaxException e) {
        // Characters a URI must escape (a space in a socket path...): quote them.
        try {
          String rest = m.group(2);
          if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            String authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
            String path = slash < 0 ? "" : rest.substring(slash);
            // An empty authority is dropped, unless the path itself starts with "//": without
            // the "//" of an authority that path would read as one (found by fuzzing).
            boolean keepEmpty = authority.isEmpty() && path.startsWith("//");
            return new URI(scheme, authority.isEmpty() && !keepEmpty ? null : authority, path,
                null, null);
          }
          return new URI(scheme, rest, null);
        } catch (java.net.URISyntaxException e2) {
          throw new IllegalArgumentException("invalid target '" + target + "': " + e2.getMessage(), e2);
        }
      }
    }
    // Not a URI with a scheme we know: a plain host[:port], resolved by DNS.
    try {
      return new URI("dns", "", "/" + target, null);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("invalid target '" + target + "': " + e.getMessage(), e);
    }
  }

  /** Targets written as URLs, which gRPC targets look like but are not: say what to write. */
  private void checkNotAUrl(String target, String scheme, String rest) {
    if ((scheme.equals("http") || scheme.equals("https")) && !providers.containsKey(scheme)
        && rest.startsWith("//")) {
      String hostPort = rest.substring(2).replaceFirst("/+$", "");
      throw new IllegalArgumentException("target '" + target + "' is a URL; a gRPC target is '"
          + hostPort + "' (or 'dns:///" + hostPort + "')"
          + (scheme.equals("https") ? ", with TLS turned on by Channel.Builder.tls()" : ""));
    }
    if (scheme.equals("dns") && !providers.containsKey("dns") && rest.startsWith("//")
        && rest.indexOf('/', 2) < 0) {
      // dns://X/name: X is the DNS server to ask. With nothing after it, X was meant as the name.
      String hostPort = rest.substring(2);
      throw new IllegalArgumentException("target '" + target + "' names a DNS server but no host "
          + "to look up; write 'dns:///" + hostPort + "' (three slashes) or '" + hostPort + "'");
    }
  }

  private boolean isKnown(String scheme) {
    return providers.containsKey(scheme) || BUILT_IN.contains(scheme);
  }

  /** The authority calls carry by default for this target. */
  public static String defaultAuthority(URI target) {
    return switch (target.getScheme()) {
      case "dns" -> dnsHostPort(target);
      case "unix", "unix-abstract" -> "localhost";
      case "ipv4", "ipv6" -> target.getSchemeSpecificPart().split(",")[0];
      default -> target.isOpaque() ? target.getSchemeSpecificPart()
          : !stripSlash(target.getPath()).isEmpty() ? stripSlash(target.getPath())
          : target.getAuthority();
    };
  }

  public NameResolver newResolver(URI target, NameResolver.Args args) {
    NameResolver.Provider custom = providers.get(target.getScheme());
    if (custom != null) {
      return custom.newResolver(target, args);
    }
    return switch (target.getScheme()) {
      case "dns" -> dns(target, args);
      case "ipv4" -> new StaticResolver(ipList(target, args.defaultPort(), 4));
      case "ipv6" -> new StaticResolver(ipList(target, args.defaultPort(), 16));
      case "unix" -> new StaticResolver(List.of(unixAddress(target)));
      case "unix-abstract" -> new StaticResolver(List.of(abstractAddress(target)));
      case "inprocess" -> new StaticResolver(List.of(inProcessAddress(target)));
      default -> throw new IllegalArgumentException("no resolver for scheme '" + target.getScheme()
          + "' in target " + target);
    };
  }

  /**
   * {@code unix-abstract:name}: everything after the colon (percent-decoded) is the name in Linux's
   * abstract socket namespace, a leading slash included (doc/naming.md).
   */
  private static SocketAddress abstractAddress(URI target) {
    String name = target.getSchemeSpecificPart();
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("unix-abstract target without a name: " + target);
    }
    return EventLoops.abstractUnixAddress(name);
  }

  /** {@code inprocess:name}: the name a server registered with {@code Server.Builder.inProcess}. */
  private static io.conduit.InProcessSocketAddress inProcessAddress(URI target) {
    String name = target.getSchemeSpecificPart();
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("inprocess target without a name: " + target);
    }
    return new io.conduit.InProcessSocketAddress(name);
  }

  /** {@code unix:path}, {@code unix:/abs/path} or {@code unix:///abs/path} (doc/naming.md). */
  private static UnixDomainSocketAddress unixAddress(URI target) {
    String path;
    if (target.isOpaque()) {
      path = target.getSchemeSpecificPart();
    } else {
      if (target.getRawAuthority() != null && !target.getRawAuthority().isEmpty()) {
        throw new IllegalArgumentException("unix target with an authority ('" + target.getAuthority()
            + "'); use unix:/absolute/path or unix:///absolute/path: " + target);
      }
      path = target.getPath();
    }
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("unix target without a path: " + target);
    }
    try {
      return UnixDomainSocketAddress.of(path);
    } catch (java.nio.file.InvalidPathException e) {
      throw new IllegalArgumentException("invalid unix socket path in " + target + ": " + e.getMessage(), e);
    }
  }

  /** The {@code host[:port]} of a dns target: {@code dns:host:port} or {@code dns://ns/host:port}. */
  private static String dnsHostPort(URI target) {
    return target.isOpaque() ? target.getSchemeSpecificPart() : stripSlash(target.getPath());
  }

  private static NameResolver dns(URI target, NameResolver.Args args) {
    String hostPort = dnsHostPort(target);
    if (hostPort.isEmpty()) {
      throw new IllegalArgumentException("dns target without a host: " + target);
    }
    if (hostPort.indexOf('/') >= 0) {
      throw new IllegalArgumentException("dns target with a path after host:port: " + target);
    }
    InetSocketAddress hp = parseHostPort(hostPort, args.defaultPort());
    InetSocketAddress nameServer = null;
    if (!target.isOpaque() && target.getAuthority() != null && !target.getAuthority().isEmpty()) {
      nameServer = parseHostPort(target.getAuthority(), 53);
      nameServer = new InetSocketAddress(nameServer.getHostString(), nameServer.getPort());
      if (nameServer.isUnresolved()) {
        throw new IllegalArgumentException("unknown DNS server '" + target.getAuthority() + "' in " + target);
      }
    }
    byte[] ip = io.netty.util.NetUtil.createByteArrayFromIpAddressString(hp.getHostString());
    if (ip != null) {
      // An IP literal needs no lookup (nor a TXT record): no DNS client to start.
      try {
        return new StaticResolver(List.of(
            new InetSocketAddress(java.net.InetAddress.getByAddress(ip), hp.getPort())));
      } catch (java.net.UnknownHostException e) {
        throw new AssertionError("a 4- or 16-byte address", e);
      }
    }
    return new DnsResolver(hp.getHostString(), hp.getPort(), nameServer, args);
  }

  /** The addresses of an {@code ipv4:} or {@code ipv6:} target: IP literals only, no lookups. */
  private static List<SocketAddress> ipList(URI target, int defaultPort, int addressLength) {
    if (!target.isOpaque() || target.getSchemeSpecificPart().isEmpty()) {
      throw new IllegalArgumentException("expected " + target.getScheme()
          + ":address[:port][,address[:port]...], got " + target);
    }
    List<SocketAddress> out = new ArrayList<>();
    for (String part : target.getSchemeSpecificPart().split(",", -1)) {
      InetSocketAddress a = parseHostPort(part.trim(), defaultPort);
      byte[] ip = io.netty.util.NetUtil.createByteArrayFromIpAddressString(a.getHostString());
      if (ip == null || ip.length != addressLength) {
        throw new IllegalArgumentException("'" + a.getHostString() + "' is not an IPv"
            + (addressLength == 4 ? "4" : "6") + " address in target " + target);
      }
      try {
        out.add(new InetSocketAddress(java.net.InetAddress.getByAddress(ip), a.getPort()));
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException("invalid address in target " + target, e);
      }
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
