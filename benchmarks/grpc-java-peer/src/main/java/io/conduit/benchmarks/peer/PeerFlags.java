package io.conduit.benchmarks.peer;

import java.util.HashMap;
import java.util.Map;

/** {@code --name=value} flags (a bare {@code --name} is a boolean), unknown ones ignored. */
final class PeerFlags {
  private final Map<String, String> values = new HashMap<>();

  PeerFlags(String... args) {
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("not a flag: " + arg);
      }
      int eq = arg.indexOf('=');
      if (eq < 0) {
        values.put(arg.substring(2), "true");
      } else {
        values.put(arg.substring(2, eq), arg.substring(eq + 1));
      }
    }
  }

  String string(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  long longValue(String name, long defaultValue) {
    String v = values.get(name);
    return v == null ? defaultValue : Long.parseLong(v.trim());
  }

  int integer(String name, int defaultValue) {
    return (int) longValue(name, defaultValue);
  }

  boolean bool(String name) {
    String v = values.get(name);
    return v != null && !v.equalsIgnoreCase("false");
  }
}
