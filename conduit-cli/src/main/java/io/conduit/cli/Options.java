package io.conduit.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The command line, parsed: flags (anywhere) and the positional words. */
final class Options {
  boolean plaintext;
  Path cacert;
  Path cert;
  Path key;
  String authority;
  final List<String[]> headers = new ArrayList<>();
  boolean verbose;
  Duration deadline;
  final List<Path> protosets = new ArrayList<>();
  String data;
  boolean help;
  final List<String> positional = new ArrayList<>();

  static Options parse(String[] args) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (name) {
        case "-h", "--help" -> o.help = true;
        case "-v", "--verbose" -> o.verbose = true;
        case "--plaintext" -> o.plaintext = true;
        case "--cacert", "--cert", "--key", "--authority", "-H", "--header", "--deadline",
            "--protoset", "-d", "--data" -> {
          if (value == null) {
            if (++i == args.length) {
              throw new UsageException(name + " needs a value");
            }
            value = args[i];
          }
          o.set(name, value);
        }
        default -> {
          if (arg.startsWith("-") && !arg.equals("-")) {
            throw new UsageException("unknown flag " + arg);
          }
          o.positional.add(arg);
        }
      }
    }
    if (o.plaintext && (o.cacert != null || o.cert != null || o.key != null)) {
      throw new UsageException("--plaintext and TLS files (--cacert, --cert, --key) exclude each other");
    }
    if ((o.cert == null) != (o.key == null)) {
      throw new UsageException("--cert and --key go together");
    }
    return o;
  }

  private void set(String name, String value) {
    switch (name) {
      case "--cacert" -> cacert = Path.of(value);
      case "--cert" -> cert = Path.of(value);
      case "--key" -> key = Path.of(value);
      case "--authority" -> authority = value;
      case "-H", "--header" -> {
        int colon = value.indexOf(':');
        if (colon <= 0) {
          throw new UsageException("-H wants 'name: value', not '" + value + "'");
        }
        headers.add(new String[] {value.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
            value.substring(colon + 1).trim()});
      }
      case "--deadline" -> deadline = duration(value);
      case "--protoset" -> protosets.add(Path.of(value));
      default -> data = value; // -d, --data
    }
  }

  /** {@code 1.5}, {@code 1.5s}, {@code 300ms}, {@code 2m}: seconds unless a unit says otherwise. */
  static Duration duration(String text) {
    String t = text.trim();
    double factor = 1000;
    if (t.endsWith("ms")) {
      factor = 1;
      t = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      t = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      factor = 60_000;
      t = t.substring(0, t.length() - 1);
    }
    try {
      double millis = Double.parseDouble(t) * factor;
      if (!(millis > 0)) {
        throw new UsageException("--deadline must be positive: " + text);
      }
      return Duration.ofNanos((long) (millis * 1_000_000));
    } catch (NumberFormatException e) {
      throw new UsageException("--deadline wants a duration such as 5s or 300ms, not '" + text + "'");
    }
  }
}
