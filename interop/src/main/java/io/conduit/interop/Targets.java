package io.conduit.interop;

import java.util.Locale;
import java.util.Set;

/**
 * The interop client's {@code --server_host}: a host, as the standard flags have it, or a full
 * target URI of doc/naming.md ({@code dns:///host:port}, {@code dns://NAMESERVER/host},
 * {@code ipv4:127.0.0.1:5001,127.0.0.2:5001}, {@code ipv6:[::1]:5001}, {@code unix:/path}), where
 * {@code --server_port} then serves as the port of every address that names none.
 */
final class Targets {
  /** The schemes that make {@code --server_host} a target URI rather than a host. */
  static final Set<String> SCHEMES = Set.of("dns", "ipv4", "ipv6", "unix", "unix-abstract");

  private Targets() {}

  /**
   * Whether {@code serverHost} is a target URI: one of {@link #SCHEMES} followed by ':', or any
   * {@code scheme://}. Hosts ({@code localhost}, {@code 10.0.0.1}, {@code ::1}, {@code fe80::1})
   * are not.
   */
  static boolean isUri(String serverHost) {
    int colon = serverHost.indexOf(':');
    if (colon <= 0) {
      return false;
    }
    String scheme = serverHost.substring(0, colon).toLowerCase(Locale.ROOT);
    return SCHEMES.contains(scheme) || serverHost.startsWith("://", colon);
  }

  /**
   * {@code target} with {@code defaultPort} added to every address that names no port:
   * each entry of an {@code ipv4:}/{@code ipv6:} list, and the host of a {@code dns:} target.
   * Other targets ({@code unix:}, unknown schemes) come back unchanged.
   */
  static String withDefaultPort(String target, int defaultPort) {
    int colon = target.indexOf(':');
    String scheme = target.substring(0, colon).toLowerCase(Locale.ROOT);
    String rest = target.substring(colon + 1);
    return switch (scheme) {
      case "ipv4", "ipv6" -> target.substring(0, colon + 1) + addressList(rest, defaultPort);
      case "dns" -> target.substring(0, colon + 1) + dns(rest, defaultPort);
      default -> target;
    };
  }

  private static String addressList(String list, int port) {
    StringBuilder out = new StringBuilder();
    for (String entry : list.split(",", -1)) {
      if (out.length() > 0) {
        out.append(',');
      }
      out.append(hostWithPort(entry.trim(), port));
    }
    return out.toString();
  }

  /** {@code //authority/host[:port]} or {@code host[:port]} (no authority), per naming.md. */
  private static String dns(String rest, int port) {
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      if (slash < 0) {
        return rest; // no host at all: let the channel report the bad target
      }
      return rest.substring(0, slash + 1) + hostWithPort(rest.substring(slash + 1), port);
    }
    return hostWithPort(rest, port);
  }

  /**
   * {@code host} with {@code :port} unless it has one: {@code a.b.c.d}, {@code name},
   * {@code [v6]} and a bare IPv6 literal ({@code ::1}, which gets brackets) have none.
   */
  static String hostWithPort(String host, int port) {
    if (host.isEmpty()) {
      return host;
    }
    if (host.startsWith("[")) {
      return host.endsWith("]") ? host + ":" + port : host;
    }
    int first = host.indexOf(':');
    if (first < 0) {
      return host + ":" + port;
    }
    if (first != host.lastIndexOf(':')) {
      return "[" + host + "]:" + port; // a bare IPv6 literal
    }
    return host;
  }
}
