package io.conduit.internal.transport;

/** The words every transport uses for a message over the receiver's size limit. */
public final class MessageLimits {
  private MessageLimits() {}

  /**
   * A message of {@code length} bytes over {@code limit}, said so that whoever reads it (the peer
   * too, in the status it receives) knows whose setting to change.
   */
  public static String tooLarge(boolean server, long length, int limit) {
    return server
        ? "request message of " + length + " bytes exceeds the server's inbound limit of "
            + limit + " bytes (Server.Builder.maxInboundMessageSize)"
        : "response message of " + length + " bytes exceeds this client's inbound limit of "
            + limit + " bytes (Channel.Builder.maxInboundMessageSize, "
            + "CallOptions.withMaxInboundMessageSize)";
  }
}
