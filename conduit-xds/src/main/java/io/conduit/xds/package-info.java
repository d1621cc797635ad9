/**
 * Proxyless service mesh: {@link io.conduit.xds.XdsResolverProvider} resolves {@code xds:///}
 * targets through an xDS management server; the balancers it configures come with it.
 */
package io.conduit.xds;
