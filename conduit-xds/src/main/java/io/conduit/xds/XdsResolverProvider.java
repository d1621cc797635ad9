package io.conduit.xds;

import io.conduit.resolver.NameResolver;
import io.conduit.xds.internal.XdsResolvers;
import java.net.URI;
import java.util.function.Function;

/**
 * Resolves {@code xds:///NAME} targets through the xDS management server the bootstrap names
 * ({@code GRPC_XDS_BOOTSTRAP} or {@code GRPC_XDS_BOOTSTRAP_CONFIG}, gRFC A27). Found through
 * {@link java.util.ServiceLoader} when this module is present; give it to
 * {@code Channel.Builder.nameResolver} where service loading is off.
 *
 * <pre>{@code
 * Channel channel = Channel.builder("xds:///greeter").plaintext().build();
 * }</pre>
 */
public final class XdsResolverProvider implements NameResolver.Provider {
  private final Function<String, String> env;

  /** The provider, reading the bootstrap from the environment. */
  public XdsResolverProvider() {
    this(System::getenv);
  }

  private XdsResolverProvider(Function<String, String> env) {
    this.env = env;
  }

  /**
   * A provider with its bootstrap given here rather than in the environment: for programs that
   * build it themselves, and for tests.
   *
   * @param bootstrapJson the bootstrap, as {@code GRPC_XDS_BOOTSTRAP_CONFIG} would hold it
   * @return the provider
   */
  public static XdsResolverProvider withBootstrap(String bootstrapJson) {
    java.util.Objects.requireNonNull(bootstrapJson, "bootstrapJson");
    return new XdsResolverProvider(
        name -> name.equals("GRPC_XDS_BOOTSTRAP_CONFIG") ? bootstrapJson : null);
  }

  @Override
  public String scheme() {
    return "xds";
  }

  /**
   * A resolver for {@code target}, sharing the xDS client of its bootstrap with the other
   * channels that use it.
   *
   * @throws IllegalArgumentException for a target with an authority (xDS federation is not
   *     supported) or without a name, or when the bootstrap is missing or invalid
   */
  @Override
  public NameResolver newResolver(URI target, NameResolver.Args args) {
    return XdsResolvers.newResolver(target, args, env);
  }
}
