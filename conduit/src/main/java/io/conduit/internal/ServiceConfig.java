package io.conduit.internal;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A parsed service config (doc/service_config.md): the first policy of
 * {@code loadBalancingConfig} this channel knows (with its config), {@code healthCheckConfig},
 * {@code methodConfig} entries and {@code retryThrottling}.
 */
public record ServiceConfig(String lbPolicy, Map<String, ?> lbConfig, String healthCheckServiceName,
    List<MethodConfig> methodConfigs, RetryThrottling retryThrottling) {

  public static final ServiceConfig EMPTY = new ServiceConfig(null, Map.of(), null, List.of(), null);

  /** {@code retryThrottling} (gRFC A6): a token bucket shared by the channel's calls. */
  public record RetryThrottling(int maxTokens, double tokenRatio) {}

  /** The method config for {@code service/method}: exact name, then service, then default. */
  public MethodConfig methodConfig(String service, String method) {
    MethodConfig byService = null;
    MethodConfig byDefault = null;
    for (MethodConfig mc : methodConfigs) {
      for (MethodConfig.Name n : mc.names()) {
        if (n.service() == null) {
          byDefault = byDefault == null ? mc : byDefault;
        } else if (n.service().equals(service)) {
          if (n.method() == null) {
            byService = byService == null ? mc : byService;
          } else if (n.method().equals(method)) {
            return mc;
          }
        }
      }
    }
    return byService != null ? byService : byDefault;
  }

  /**
   * Parses {@code json}; {@code knownPolicy} says which policy names exist.
   *
   * @throws IllegalArgumentException with a clear message for an invalid config
   */
  public static ServiceConfig parse(String json, Predicate<String> knownPolicy) {
    Map<String, Object> root = Json.parseObject(json);
    ServiceConfig lb = parseLoadBalancing(root, knownPolicy);
    return new ServiceConfig(lb.lbPolicy(), lb.lbConfig(), parseHealthCheck(root),
        parseMethodConfigs(root), parseThrottling(root));
  }

  private static List<MethodConfig> parseMethodConfigs(Map<String, Object> root) {
    Object list = root.get("methodConfig");
    if (list == null) {
      return List.of();
    }
    if (!(list instanceof List<?> l)) {
      throw new IllegalArgumentException("methodConfig must be a list");
    }
    java.util.List<MethodConfig> out = new java.util.ArrayList<>();
    java.util.Set<MethodConfig.Name> seen = new java.util.HashSet<>();
    for (Object entry : l) {
      if (!(entry instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException("methodConfig entries must be objects");
      }
      MethodConfig mc = MethodConfig.parse(m);
      for (MethodConfig.Name n : mc.names()) {
        if (!seen.add(n)) {
          throw new IllegalArgumentException("duplicate methodConfig name " + n);
        }
      }
      out.add(mc);
    }
    return List.copyOf(out);
  }

  private static RetryThrottling parseThrottling(Map<String, Object> root) {
    Object t = root.get("retryThrottling");
    if (t == null) {
      return null;
    }
    if (!(t instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("retryThrottling must be an object");
    }
    if (!(m.get("maxTokens") instanceof Double max) || max <= 0 || max > 1000) {
      throw new IllegalArgumentException("retryThrottling.maxTokens must be in (0, 1000]");
    }
    if (!(m.get("tokenRatio") instanceof Double ratio) || ratio <= 0) {
      throw new IllegalArgumentException("retryThrottling.tokenRatio must be > 0");
    }
    return new RetryThrottling(max.intValue(), ratio);
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
          return new ServiceConfig(name, cfg == null ? Map.of() : (Map<String, ?>) cfg, null,
              List.of(), null);
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
      return new ServiceConfig(name, Map.of(), null, List.of(), null);
    }
    return EMPTY;
  }
}
