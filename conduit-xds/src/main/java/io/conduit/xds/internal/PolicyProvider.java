package io.conduit.xds.internal;

import io.conduit.balancer.LoadBalancer;
import java.util.function.Function;

/** A provider of one of this module's policies, by name: the ServiceLoader entries extend it. */
abstract class PolicyProvider implements LoadBalancer.Provider {
  private final String name;
  private final Function<LoadBalancer.Helper, LoadBalancer> factory;

  PolicyProvider(String name, Function<LoadBalancer.Helper, LoadBalancer> factory) {
    this.name = name;
    this.factory = factory;
  }

  @Override
  public String policyName() {
    return name;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return factory.apply(helper);
  }
}
