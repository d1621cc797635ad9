/**
 * Services that make a Conduit server visible to tools: server reflection
 * ({@code grpc.reflection.v1} and {@code v1alpha}) with a client for it, channelz, and the admin
 * entry point. Everything under {@code io.conduit.services.internal} (the implementation and the
 * generated messages) is not exported.
 */
// protobuf-java has no module-info, only an Automatic-Module-Name.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.conduit.services {
  exports io.conduit.services.admin;
  exports io.conduit.services.channelz;
  exports io.conduit.services.reflection;

  // ReflectionClient's signatures name protobuf's descriptors, and the API Conduit's types.
  requires transitive com.google.protobuf;
  requires transitive io.conduit;

  uses io.conduit.services.admin.AdminServiceProvider;
}
