package io.conduit.xds.internal;

import io.conduit.Metadata;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One route of a virtual host (gRFC A28): what calls it matches (path, headers, a runtime
 * fraction) and where they go (clusters with weights).
 *
 * @param path how the call's path ({@code /service/method}) must match
 * @param headers matchers every one of which must match the request headers
 * @param fractionPerMillion the share of matching calls this route takes, in millionths, or -1
 *     for all
 * @param clusters where matched calls go, with weights; empty for a route that does not forward
 * @param maxStreamDuration the route's call timeout (max stream duration), or {@code null}
 * @param hashPolicies how a call's hash for ring_hash is made (gRFC A42), in order
 * @param retry the route's retry policy (gRFC A44), or {@code null} for the virtual host's
 * @param faultOverrides the route's fault filter settings by filter name (gRFC A33)
 */
record Route(PathMatcher path, List<HeaderMatcher> headers, int fractionPerMillion,
    List<ClusterWeight> clusters, Duration maxStreamDuration, List<HashPolicy> hashPolicies,
    RetryConfig retry, java.util.Map<String, FaultConfig> faultOverrides) {
  Route {
    headers = List.copyOf(headers);
    clusters = List.copyOf(clusters);
    hashPolicies = List.copyOf(hashPolicies);
    faultOverrides = java.util.Map.copyOf(faultOverrides);
  }

  /**
   * The call's hash for ring_hash (gRFC A42): each policy that yields a hash is folded in
   * ({@code rotl(h, 1) ^ next}) until a terminal one does; random when none does.
   */
  long hash(Metadata metadata) {
    boolean found = false;
    long hash = 0;
    for (HashPolicy p : hashPolicies) {
      if (p.header().endsWith("-bin")) {
        continue;
      }
      List<String> values = metadata.getAll(p.header());
      if (values.isEmpty()) {
        continue;
      }
      long h = XxHash64.hash(String.join(",", values));
      hash = found ? Long.rotateLeft(hash, 1) ^ h : h;
      found = true;
      if (p.terminal()) {
        break;
      }
    }
    return found ? hash : java.util.concurrent.ThreadLocalRandom.current().nextLong();
  }

  /**
   * A hash policy of a route: hash this request header's value.
   *
   * @param header the header (lower case)
   * @param terminal whether a hash from it ends the list
   */
  record HashPolicy(String header, boolean terminal) {}

  /**
   * Whether a call matches.
   *
   * @param fullPath {@code /service/method}
   * @param metadata the request headers
   * @param randomPerMillion a random number in [0, 1,000,000) for the runtime fraction
   */
  boolean matches(String fullPath, Metadata metadata, int randomPerMillion) {
    if (!path.matches(fullPath)) {
      return false;
    }
    for (HeaderMatcher h : headers) {
      if (!h.matches(metadata)) {
        return false;
      }
    }
    return fractionPerMillion < 0 || randomPerMillion < fractionPerMillion;
  }

  /**
   * A cluster a route sends calls to, and its weight among the route's clusters.
   *
   * @param name the cluster
   * @param weight its weight
   */
  record ClusterWeight(String name, int weight) {}

  /** How a route matches the path: a prefix, the whole path, or a regular expression. */
  record PathMatcher(Kind kind, String value, boolean caseSensitive, Pattern regex) {
    enum Kind { PREFIX, PATH, REGEX }

    boolean matches(String fullPath) {
      return switch (kind) {
        case PREFIX -> caseSensitive ? fullPath.startsWith(value)
            : fullPath.toLowerCase(Locale.ROOT).startsWith(value.toLowerCase(Locale.ROOT));
        case PATH -> caseSensitive ? fullPath.equals(value) : fullPath.equalsIgnoreCase(value);
        case REGEX -> regex.matcher(fullPath).matches();
      };
    }
  }

  /**
   * A header matcher (gRFC A28): binary headers never match, several values are joined with
   * commas, {@code content-type} is {@code application/grpc}.
   */
  record HeaderMatcher(String name, Kind kind, String value, Pattern regex, long rangeStart,
      long rangeEnd, boolean ignoreCase, boolean invert) {
    enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX, PRESENT, RANGE }

    boolean matches(Metadata metadata) {
      String actual = value(metadata);
      boolean matched;
      if (kind == Kind.PRESENT) {
        // present_match: true asks for the header; false asks for its absence.
        matched = (actual != null) == Boolean.parseBoolean(value);
      } else if (actual == null) {
        return false;
      } else {
        matched = matchValue(actual);
      }
      return matched != invert;
    }

    private boolean matchValue(String actual) {
      String a = ignoreCase ? actual.toLowerCase(Locale.ROOT) : actual;
      String v = ignoreCase && value != null ? value.toLowerCase(Locale.ROOT) : value;
      return switch (kind) {
        case EXACT -> a.equals(v);
        case PREFIX -> a.startsWith(v);
        case SUFFIX -> a.endsWith(v);
        case CONTAINS -> a.contains(v);
        case REGEX -> regex.matcher(actual).matches();
        case RANGE -> {
          try {
            long n = Long.parseLong(actual);
            yield n >= rangeStart && n < rangeEnd;
          } catch (NumberFormatException e) {
            yield false;
          }
        }
        case PRESENT -> true;
      };
    }

    private String value(Metadata metadata) {
      if (name.endsWith("-bin")) {
        return null;
      }
      if (name.equals("content-type")) {
        return "application/grpc";
      }
      List<String> values = metadata.getAll(name);
      return values.isEmpty() ? null : String.join(",", values);
    }
  }
}
