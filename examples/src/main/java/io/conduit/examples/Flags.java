package io.conduit.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --name=value} (or {@code --name value}) flags of the example programs. Not part of
 * what the examples teach: just enough to read {@code --port=50051} and friends, and to refuse
 * anything else.
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
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.println(usage);
        System.exit(0);
      }
      int eq = arg.indexOf('=');
      String name = !arg.startsWith("--") || eq == 2 ? null
          : eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      if (name == null || !known.contains(name) || (eq < 0 && i + 1 == args.length)) {
        System.err.println("unknown or malformed flag: " + arg + "\n" + usage);
        System.exit(2);
      }
      // --name=value, or --name value
      values.put(name, eq < 0 ? args[++i] : arg.substring(eq + 1));
    }
    return new Flags(values);
  }

  public String string(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  /** An existing directory, or null when the flag is not given; exits with a message otherwise. */
  public Path directory(String name) {
    String value = values.get(name);
    if (value == null) {
      return null;
    }
    Path dir = Path.of(value);
    if (!Files.isDirectory(dir)) {
      System.err.println("--" + name + " must be a directory: " + value);
      System.exit(2);
    }
    return dir;
  }

  /** A comma-separated list, empty when the flag is not given. */
  public List<String> list(String name) {
    String value = values.get(name);
    return value == null || value.isBlank() ? List.of() : List.of(value.split(",", -1));
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
