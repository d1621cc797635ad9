/**
 * Conduit, a gRPC framework: the API ({@code io.conduit}), what generated code calls
 * ({@code io.conduit.stub}), the resolver and balancer SPIs, protobuf support, and the health
 * service and its client. Everything under {@code io.conduit.internal} is the implementation and
 * is not exported.
 *
 * <p>Netty is an implementation detail: no exported signature names a Netty type, so it is
 * required, not {@code requires transitive}. On the module path the native epoll transport is
 * used only when its module is resolved (e.g. {@code --add-modules
 * io.netty.transport.epoll.linux.x86_64}); without it Conduit runs on NIO.
 */
// protobuf-java has no module-info, only an Automatic-Module-Name.
// "module": the qualified exports name io.conduit.services and io.conduit.xds, built after this one.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic", "module"})
module io.conduit {
  // The API reaches the implementation only where a builder becomes the real thing (Channel,
  // Server, their builders, ChannelTls/ServerTls building the transport's TLS context) and in the
  // server stub's I/O-thread check; ApiDependencyTest holds that list, PublicApiTest keeps
  // internal and Netty types out of the exported signatures.
  exports io.conduit;
  exports io.conduit.balancer;
  exports io.conduit.health;
  exports io.conduit.protobuf;
  exports io.conduit.resolver;
  exports io.conduit.stub;
  // What channelz (io.conduit.services) reads from the transport: not an API.
  exports io.conduit.internal.channelz to io.conduit.services;
  // What the xDS module builds on: JSON, backoff, the built-in balancers it puts in its tree.
  exports io.conduit.internal to io.conduit.xds;
  exports io.conduit.internal.balancer to io.conduit.xds;

  // ProtoMarshaller's signatures name protobuf types.
  requires transitive com.google.protobuf;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.codec.dns;
  requires io.netty.codec.http;
  requires io.netty.codec.http2;
  requires io.netty.common;
  // Connect's JSON codec, only when protobuf-java-util is present (it brings Guava).
  requires static com.google.protobuf.util;
  requires io.netty.handler;
  requires io.netty.resolver;
  requires io.netty.resolver.dns;
  requires io.netty.transport;
  requires io.netty.transport.classes.epoll;
  requires io.netty.transport.unix.common;

  // Found with ServiceLoader, beside the built-in ones and those given to the builders.
  uses io.conduit.Compressor;
  uses io.conduit.balancer.LoadBalancer.Provider;
  uses io.conduit.resolver.NameResolver.Provider;
}
