/**
 * OpenTelemetry metrics (gRFC A66, A94, A96) and tracing (gRFC A72) for Conduit: see
 * {@link io.conduit.opentelemetry.ConduitOpenTelemetry}.
 */
// The OpenTelemetry API jars are automatic modules (Automatic-Module-Name only); the public API
// names their types, so they are required transitively.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.conduit.opentelemetry {
  requires transitive io.conduit;
  requires transitive io.opentelemetry.api;
  requires transitive io.opentelemetry.context;

  exports io.conduit.opentelemetry;
}
