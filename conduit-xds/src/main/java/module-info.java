/**
 * Proxyless service mesh for Conduit channels: the {@code xds:///} name resolver and the balancers
 * an xDS control plane configures. Add the module and set {@code GRPC_XDS_BOOTSTRAP} (a file) or
 * {@code GRPC_XDS_BOOTSTRAP_CONFIG} (its JSON); {@code Channel.builder("xds:///my-service")} then
 * finds its backends, routes and weights through the management server. The resolver and the
 * balancers are found with {@link java.util.ServiceLoader}; {@link io.conduit.xds.XdsResolverProvider}
 * registers the resolver by hand where service loading is off.
 */
// protobuf-java has no module-info, only an Automatic-Module-Name.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.conduit.xds {
  exports io.conduit.xds;
  exports io.conduit.xds.orca;

  requires transitive io.conduit;
  requires com.google.protobuf;
  requires io.conduit.services;

  provides io.conduit.resolver.NameResolver.Provider with io.conduit.xds.XdsResolverProvider;
  provides io.conduit.balancer.LoadBalancer.Provider
      with io.conduit.xds.internal.XdsRoutingLoadBalancer.Provider,
          io.conduit.xds.internal.RingHashLoadBalancer.Provider,
          io.conduit.xds.internal.WeightedRoundRobinLoadBalancer.Provider,
          io.conduit.xds.internal.OutlierDetectionLoadBalancer.Provider;
  provides io.conduit.services.admin.AdminServiceProvider
      with io.conduit.xds.internal.CsdsAdminServiceProvider;
}
