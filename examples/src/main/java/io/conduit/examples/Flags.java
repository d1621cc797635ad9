package io.conduit.examples;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --name=value} flags of the example programs. Not part of what the examples teach:
 * just enough to read {@code --port=50051} and friends, and to refuse anything else.
 */
public final class Flags {
  private final Map<String, String> values;

  private Flags(Map<String, String> values) {
    this.values = values;
  }

  /**
   * Reads {@code args}; exits with a usage message for {@code --help}, a malformed flag or one not
   * in {@code known}.
   */
  public static Flags parse(String[] args, String usage, Set<String> known) {
    Map<String, String> values = new HashMap<>();
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.println(usage);
        System.exit(0);
      }
      int eq = arg.indexOf('=');
      String name = arg.startsWith("--") && eq > 2 ? arg.substring(2, eq) : null;
      if (name == null || !known.contains(name)) {
        System.err.println("unknown or malformed flag: " + arg + "\n" + usage);
        System.exit(2);
      }
      values.put(name, arg.substring(eq + 1));
    }
    return new Flags(values);
  }

  public String string(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  /** A port number, 0 to 65535; exits with a message for anything else. */
  public int port(String name, int defaultValue) {
    String value = values.get(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // falls through to the message
    }
    System.err.println("--" + name + " must be a port number (0 to 65535): " + value);
    System.exit(2);
    return -1;
  }
}
