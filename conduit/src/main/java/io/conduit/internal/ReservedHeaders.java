package io.conduit.internal;

import io.conduit.Metadata;
import java.util.Set;

/**
 * Headers the transport owns: the application can neither see them in received metadata nor
 * send them (every transport applies the same rule).
 */
public final class ReservedHeaders {
  private static final Set<String> RESERVED = Set.of(
      "content-type", "te", "user-agent", "host", "connection", "keep-alive", "transfer-encoding",
      "upgrade", "proxy-connection", "grpc-timeout", "grpc-status", "grpc-message",
      "grpc-encoding", "grpc-accept-encoding", "content-length");

  private ReservedHeaders() {}

  public static boolean isReserved(String key) {
    return RESERVED.contains(key);
  }

  /** A copy of {@code metadata} without reserved headers (nor pseudo-headers). */
  public static Metadata applicationCopy(Metadata metadata) {
    Metadata copy = new Metadata();
    if (metadata != null) {
      for (Metadata.Entry e : metadata.entries()) {
        if (!RESERVED.contains(e.key()) && !e.key().startsWith(":")) {
          copy.addWireValue(e.key(), e.wireValue());
        }
      }
    }
    return copy;
  }
}
