package io.conduit.benchmarks;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Command-line flags in the style of grpc-java's benchmark programs: {@code --name=value}, or a
 * bare {@code --name} for a boolean. Flags a program does not read are accepted and ignored, so
 * that one command line can drive either implementation.
 */
final class Flags {
  private final Map<String, String> values = new HashMap<>();

  Flags(String... args) {
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("not a flag: " + arg + " (flags look like --name=value)");
      }
      int eq = arg.indexOf('=');
      if (eq < 0) {
        values.put(arg.substring(2), "true");
      } else {
        values.put(arg.substring(2, eq), arg.substring(eq + 1));
      }
    }
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String string(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  int integer(String name, int defaultValue) {
    String v = values.get(name);
    return v == null ? defaultValue : Integer.parseInt(v.trim());
  }

  long longValue(String name, long defaultValue) {
    String v = values.get(name);
    return v == null ? defaultValue : Long.parseLong(v.trim());
  }

  boolean bool(String name) {
    String v = values.get(name);
    return v != null && !v.equalsIgnoreCase("false");
  }

  /** {@code host:port}, {@code [v6]:port} or a bare port (loopback). */
  static InetSocketAddress address(String value) {
    int colon = value.lastIndexOf(':');
    if (colon < 0) {
      return new InetSocketAddress("127.0.0.1", Integer.parseInt(value));
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      host = "127.0.0.1";
    }
    return InetSocketAddress.createUnresolved(host, Integer.parseInt(value.substring(colon + 1)));
  }
}
