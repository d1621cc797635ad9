package io.conduit.internal;

import io.conduit.Metadata;

/**
 * Headers the transport owns: the application can neither see them in received metadata nor
 * send them (every transport applies the same rule); {@link Metadata} refuses to hold them.
 */
public final class ReservedHeaders {
  private ReservedHeaders() {}

  /** {@code key} (lower case) is one the transport owns. */
  public static boolean isReserved(String key) {
    return Metadata.isReserved(key);
  }

  /** A copy of {@code metadata} without reserved headers (nor pseudo-headers). */
  public static Metadata applicationCopy(Metadata metadata) {
    Metadata copy = new Metadata();
    if (metadata != null) {
      for (Metadata.Entry e : metadata.entries()) {
        if (!Metadata.isReserved(e.key()) && !e.key().startsWith(":")) {
          copy.addWireValue(e.key(), e.wireValue());
        }
      }
    }
    return copy;
  }
}
