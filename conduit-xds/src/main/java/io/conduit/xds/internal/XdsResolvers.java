package io.conduit.xds.internal;

import io.conduit.resolver.NameResolver;
import java.net.URI;
import java.util.function.Function;

/** Creates the resolvers of {@code xds:} targets. */
public final class XdsResolvers {
  private XdsResolvers() {}

  /**
   * A resolver for {@code target} on the bootstrap {@code env} points to.
   *
   * @param target {@code xds:///NAME}
   * @param args the channel's resolver arguments
   * @param env the environment, for the bootstrap variables
   * @return the resolver, not started
   */
  public static NameResolver newResolver(URI target, NameResolver.Args args,
      Function<String, String> env) {
    if (target.getRawAuthority() != null && !target.getRawAuthority().isEmpty()) {
      throw new IllegalArgumentException("xds target " + target + " names an authority ("
          + target.getRawAuthority() + "); xDS federation is not supported, use xds:///NAME");
    }
    String path = target.getPath() == null ? "" : target.getPath();
    String name = path.startsWith("/") ? path.substring(1) : path;
    if (name.isEmpty()) {
      throw new IllegalArgumentException("xds target " + target + " names no listener: use "
          + "xds:///NAME");
    }
    Bootstrap bootstrap = Bootstrap.fromEnvironment(env);
    return new XdsNameResolver(name, name, args.syncContext(), XdsClientPool.acquire(bootstrap));
  }
}
