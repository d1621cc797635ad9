package io.conduit.interop;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The {@code --name=value} flags of the interop programs. */
final class Flags {

  /** A bad command line; the message says what is wrong. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private final Map<String, String> values;

  private Flags(Map<String, String> values) {
    this.values = values;
  }

  /** Parses {@code args}; every flag must be one of {@code known}. {@code --help} gives "help". */
  static Flags parse(String[] args, Set<String> known) throws UsageException {
    Map<String, String> values = new LinkedHashMap<>();
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        values.put("help", "true");
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("arguments must look like --name=value: " + arg);
      }
      int eq = arg.indexOf('=');
      if (eq < 0) {
        throw new UsageException("flag " + arg + " needs a value: " + arg + "=VALUE");
      }
      String name = arg.substring(2, eq);
      if (!known.contains(name)) {
        throw new UsageException("unknown flag --" + name);
      }
      values.put(name, arg.substring(eq + 1));
    }
    return new Flags(values);
  }

  static boolean hasHelp(String[] args) {
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        return true;
      }
    }
    return false;
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String string(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  int port(String name, int defaultValue) throws UsageException {
    String v = values.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      int port = Integer.parseInt(v);
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a port number (0-65535): " + v);
    }
  }

  int positiveInt(String name, int defaultValue) throws UsageException {
    String v = values.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a positive number: " + v);
    }
  }

  boolean bool(String name, boolean defaultValue) throws UsageException {
    String v = values.get(name);
    if (v == null) {
      return defaultValue;
    }
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new UsageException("--" + name + " must be true or false: " + v);
    };
  }
}
