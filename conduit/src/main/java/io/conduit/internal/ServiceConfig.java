package io.conduit.internal;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A parsed service config (doc/service_config.md). For now the load-balancing part: the first
 * policy of {@code loadBalancingConfig} that this channel knows, with its config.
 */
public record ServiceConfig(String lbPolicy, Map<String, ?> lbConfig, String healthCheckServiceName) {

  public static final ServiceConfig EMPTY = new ServiceConfig(null, Map.of(), null);

  /**
   * Parses {@code json}; {@code knownPolicy} says which policy names exist.
   *
   * @throws IllegalArgumentException with a clear message for an invalid config
   */
  public static ServiceConfig parse(String json, Predicate<String> knownPolicy) {
    Map<String, Object> root = Json.parseObject(json);
    ServiceConfig lb = parseLoadBalancing(root, knownPolicy);
    return new ServiceConfig(lb.lbPolicy(), lb.lbConfig(), parseHealthCheck(root));
  }

  /** {@code healthCheckConfig.serviceName} (gRFC A17), or null when health checking is off. */
  private static String parseHealthCheck(Map<String, Object> root) {
    Object hc = root.get("healthCheckConfig");
    if (hc == null) {
      return null;
    }
    if (!(hc instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("healthCheckConfig must be an object");
    }
    Object name = m.get("serviceName");
    if (name != null && !(name instanceof String)) {
      throw new IllegalArgumentException("healthCheckConfig.serviceName must be a string");
    }
    return name == null ? "" : (String) name;
  }

  @SuppressWarnings("unchecked")
  private static ServiceConfig parseLoadBalancing(Map<String, Object> root, Predicate<String> knownPolicy) {
    Object lbList = root.get("loadBalancingConfig");
    if (lbList != null) {
      if (!(lbList instanceof List<?> list)) {
        throw new IllegalArgumentException("loadBalancingConfig must be a list");
      }
      for (Object entry : list) {
        if (!(entry instanceof Map<?, ?> m) || m.size() != 1) {
          throw new IllegalArgumentException(
              "each loadBalancingConfig entry must be an object with exactly one policy name");
        }
        Map.Entry<?, ?> only = m.entrySet().iterator().next();
        String name = (String) only.getKey();
        if (knownPolicy.test(name)) {
          Object cfg = only.getValue();
          if (cfg != null && !(cfg instanceof Map)) {
            throw new IllegalArgumentException("config of policy " + name + " must be an object");
          }
          return new ServiceConfig(name, cfg == null ? Map.of() : (Map<String, ?>) cfg, null);
        }
      }
      throw new IllegalArgumentException("no supported policy in loadBalancingConfig " + list);
    }
    Object legacy = root.get("loadBalancingPolicy");
    if (legacy != null) {
      String name = String.valueOf(legacy).toLowerCase(java.util.Locale.ROOT);
      if (!knownPolicy.test(name)) {
        throw new IllegalArgumentException("unsupported loadBalancingPolicy " + legacy);
      }
      return new ServiceConfig(name, Map.of(), null);
    }
    return EMPTY;
  }
}
