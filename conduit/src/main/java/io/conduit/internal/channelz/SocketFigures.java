package io.conduit.internal.channelz;

/**
 * A connection's figures at one moment, taken on its event loop. Times are {@code nanoTime}s of
 * the connection's clock, {@code 0} for never, and {@code nowNanos} is that clock when they were
 * taken, so that a reader can date them. Windows are HTTP/2 connection-level flow-control
 * windows: {@code localWindow} what the peer lets this side send, {@code remoteWindow} what this
 * side lets the peer send; -1 when unknown.
 */
public record SocketFigures(long streamsStarted, long streamsSucceeded, long streamsFailed,
    long messagesSent, long messagesReceived, long keepAlivesSent,
    long lastLocalStreamCreatedNanos, long lastRemoteStreamCreatedNanos,
    long lastMessageSentNanos, long lastMessageReceivedNanos, long nowNanos,
    long localWindow, long remoteWindow, Tls tls) {

  /** No streams, no messages: what a subchannel starts its closed connections' sum from. */
  public static final SocketFigures NONE =
      new SocketFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, null);

  /**
   * A TLS session: its cipher suite's standard name, and this side's and the peer's first
   * certificate, DER-encoded (null when that side sent none).
   */
  public record Tls(String cipherSuite, byte[] localCertificate, byte[] remoteCertificate) {}

  /**
   * These counts plus {@code closed}'s, the latest of each time: a subchannel's calls are the sum
   * over its connections, open and closed. Times stay on the clock of the one with the latest
   * {@code nowNanos} (a channel's connections share one clock).
   */
  public SocketFigures plus(SocketFigures closed) {
    return new SocketFigures(streamsStarted + closed.streamsStarted,
        streamsSucceeded + closed.streamsSucceeded, streamsFailed + closed.streamsFailed,
        messagesSent + closed.messagesSent, messagesReceived + closed.messagesReceived,
        keepAlivesSent + closed.keepAlivesSent,
        Math.max(lastLocalStreamCreatedNanos, closed.lastLocalStreamCreatedNanos),
        Math.max(lastRemoteStreamCreatedNanos, closed.lastRemoteStreamCreatedNanos),
        Math.max(lastMessageSentNanos, closed.lastMessageSentNanos),
        Math.max(lastMessageReceivedNanos, closed.lastMessageReceivedNanos),
        Math.max(nowNanos, closed.nowNanos), -1, -1, null);
  }
}
