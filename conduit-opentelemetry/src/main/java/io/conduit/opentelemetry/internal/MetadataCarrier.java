package io.conduit.opentelemetry.internal;

import io.conduit.Metadata;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * Call metadata as the carrier of OpenTelemetry propagators. Values of binary ({@code -bin})
 * keys pass as base64, the form a text propagator can carry; what a peer sent that cannot be
 * read is left out, so that it starts a new trace rather than failing the call.
 */
public final class MetadataCarrier implements TextMapGetter<Metadata>, TextMapSetter<Metadata> {
  public static final MetadataCarrier INSTANCE = new MetadataCarrier();

  private MetadataCarrier() {}

  @Override
  public Iterable<String> keys(Metadata carrier) {
    return carrier.keys();
  }

  @Override
  public String get(Metadata carrier, String key) {
    if (carrier == null || key == null) {
      return null;
    }
    String k = key.toLowerCase(java.util.Locale.ROOT);
    if (Metadata.isBinaryKey(k)) {
      byte[] value = carrier.getBinary(k);
      return value == null ? null : java.util.Base64.getEncoder().encodeToString(value);
    }
    return carrier.get(k);
  }

  @Override
  public void set(Metadata carrier, String key, String value) {
    if (carrier == null || key == null || value == null) {
      return;
    }
    String k = key.toLowerCase(java.util.Locale.ROOT);
    // One value per key: a propagator's header replaces one the application set.
    carrier.remove(k);
    try {
      carrier.addWireValue(k, value);
    } catch (IllegalArgumentException e) {
      // Not a value metadata can carry: the call goes out without it.
    }
  }
}
