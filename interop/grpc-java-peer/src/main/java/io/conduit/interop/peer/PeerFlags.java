package io.conduit.interop.peer;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The {@code --name=value} flags of the peer programs; a bad one ends the program (exit 2). */
final class PeerFlags {
  private final String program;
  private final Map<String, String> values;

  private PeerFlags(String program, Map<String, String> values) {
    this.program = program;
    this.values = values;
  }

  static PeerFlags parse(String program, String[] args, Set<String> known) {
    Map<String, String> values = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw usage(program, "arguments must look like --name=value: " + arg);
      }
      String name = arg.substring(2, eq);
      if (!known.contains(name)) {
        throw usage(program, "unknown flag --" + name + " (known: " + known + ")");
      }
      values.put(name, arg.substring(eq + 1));
    }
    return new PeerFlags(program, values);
  }

  String string(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  String required(String name) {
    String v = values.get(name);
    if (v == null || v.isEmpty()) {
      throw usage(program, "--" + name + " is required");
    }
    return v;
  }

  int integer(String name, int defaultValue, int min, int max) {
    String v = values.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw usage(program, "--" + name + " must be a number from " + min + " to " + max + ": " + v);
    }
  }

  /** Prints {@code message} and exits with 2. */
  static RuntimeException usage(String program, String message) {
    System.err.println(program + ": " + message);
    System.exit(2);
    return new IllegalStateException(message);
  }
}
