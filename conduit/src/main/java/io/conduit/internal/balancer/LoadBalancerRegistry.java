package io.conduit.internal.balancer;

import io.conduit.balancer.LoadBalancer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Balancer policies by name: the built-in ones, ServiceLoader's, and the builder's. */
public final class LoadBalancerRegistry {
  private final Map<String, LoadBalancer.Provider> providers = new HashMap<>();

  public LoadBalancerRegistry(List<LoadBalancer.Provider> extra) {
    add(provider("pick_first", PickFirstLoadBalancer::new));
    add(provider("round_robin", RoundRobinLoadBalancer::new));
    add(provider("least_request_experimental", LeastRequestLoadBalancer::new));
    for (LoadBalancer.Provider p : ServiceLoader.load(LoadBalancer.Provider.class)) {
      add(p);
    }
    extra.forEach(this::add);
  }

  private void add(LoadBalancer.Provider p) {
    providers.put(p.policyName(), p);
  }

  /** The provider for {@code name}, or {@code null}. */
  public LoadBalancer.Provider get(String name) {
    return providers.get(name);
  }

  private static LoadBalancer.Provider provider(String name,
      java.util.function.Function<LoadBalancer.Helper, LoadBalancer> factory) {
    return new LoadBalancer.Provider() {
      @Override
      public String policyName() {
        return name;
      }

      @Override
      public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
        return factory.apply(helper);
      }
    };
  }
}
