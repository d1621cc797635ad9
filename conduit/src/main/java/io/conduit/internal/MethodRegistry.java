package io.conduit.internal;

import io.conduit.ServiceDefinition;
import java.util.List;

/**
 * The server's methods by {@code :path} ({@code /pkg.Service/Method}). Looked up with the path as
 * the transport has it (any CharSequence), so finding a method allocates nothing.
 */
final class MethodRegistry {
  private final String[] paths;
  private final ServiceDefinition.Method<?, ?>[] methods;
  private final int mask;

  MethodRegistry(List<ServiceDefinition> services) {
    int count = services.stream().mapToInt(s -> s.methods().size()).sum();
    int capacity = Integer.highestOneBit(Math.max(4, count * 2 + 1) - 1) << 1;
    paths = new String[capacity];
    methods = new ServiceDefinition.Method<?, ?>[capacity];
    mask = capacity - 1;
    for (ServiceDefinition service : services) {
      for (ServiceDefinition.Method<?, ?> m : service.methods()) {
        String path = "/" + m.descriptor().fullMethodName();
        int i = hash(path) & mask;
        while (paths[i] != null && !paths[i].equals(path)) {
          i = (i + 1) & mask;
        }
        paths[i] = path;
        methods[i] = m;
      }
    }
  }

  /** The method at {@code path}, or null. */
  ServiceDefinition.Method<?, ?> lookup(CharSequence path) {
    int i = hash(path) & mask;
    String candidate;
    while ((candidate = paths[i]) != null) {
      if (candidate.contentEquals(path)) {
        return methods[i];
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  private static int hash(CharSequence s) {
    int h = 0;
    for (int i = 0, n = s.length(); i < n; i++) {
      h = 31 * h + s.charAt(i);
    }
    return h ^ (h >>> 16);
  }
}
