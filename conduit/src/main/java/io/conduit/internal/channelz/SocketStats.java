package io.conduit.internal.channelz;

/**
 * One connection's figures as its transport counts them: plain fields, written only on the
 * connection's event loop (no locks, no allocation, one clock read where a time is kept) and
 * read there too, by {@link #figures}, which the transport runs on its loop when channelz asks.
 * Times are the connection's clock's {@code nanoTime}; 0 means never.
 */
public final class SocketStats {
  private long streamsStarted;
  private long streamsSucceeded;
  private long streamsFailed;
  private long messagesSent;
  private long messagesReceived;
  private long keepAlivesSent;
  private long lastLocalStreamCreatedNanos;
  private long lastRemoteStreamCreatedNanos;
  private long lastMessageSentNanos;
  private long lastMessageReceivedNanos;

  /** This side opened a stream (a client's call went out). */
  public void localStreamStarted(long nowNanos) {
    streamsStarted++;
    lastLocalStreamCreatedNanos = nowNanos;
  }

  /** The peer opened a stream (a call reached the server). */
  public void remoteStreamStarted(long nowNanos) {
    streamsStarted++;
    lastRemoteStreamCreatedNanos = nowNanos;
  }

  /** A started stream ended, with status OK or not. */
  public void streamEnded(boolean ok) {
    if (ok) {
      streamsSucceeded++;
    } else {
      streamsFailed++;
    }
  }

  public void messageSent(long nowNanos) {
    messagesSent++;
    lastMessageSentNanos = nowNanos;
  }

  public void messageReceived(long nowNanos) {
    messagesReceived++;
    lastMessageReceivedNanos = nowNanos;
  }

  public void keepAliveSent() {
    keepAlivesSent++;
  }

  /** The figures now, with the transport's part; on the event loop. */
  public SocketFigures figures(long nowNanos, long localWindow, long remoteWindow,
      SocketFigures.Tls tls) {
    return new SocketFigures(streamsStarted, streamsSucceeded, streamsFailed, messagesSent,
        messagesReceived, keepAlivesSent, lastLocalStreamCreatedNanos, lastRemoteStreamCreatedNanos,
        lastMessageSentNanos, lastMessageReceivedNanos, nowNanos, localWindow, remoteWindow, tls);
  }
}
