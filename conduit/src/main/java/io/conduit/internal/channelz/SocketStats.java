package io.conduit.internal.channelz;

/**
 * One connection's figures as its transport counts them: plain fields, written only on the
 * connection's event loop and read there too, by {@link #figures}, which the transport runs on
 * its loop when channelz asks. No lock, no allocation, and no clock read per event: an event
 * only marks its time as due, and {@link #stamp} dates everything due at once, once per read or
 * write batch (the transport calls it as a read completes and before a flush). Times are the
 * connection's clock's {@code nanoTime}; 0 means never.
 */
public final class SocketStats {
  private static final int LOCAL_STREAM = 1;
  private static final int REMOTE_STREAM = 2;
  private static final int SENT = 4;
  private static final int RECEIVED = 8;

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
  /** The kinds of event since the last {@link #stamp}, whose times are still to be taken. */
  private int undated;

  /** This side opened a stream (a client's call went out). */
  public void localStreamStarted() {
    streamsStarted++;
    undated |= LOCAL_STREAM;
  }

  /** The peer opened a stream (a call reached the server). */
  public void remoteStreamStarted() {
    streamsStarted++;
    undated |= REMOTE_STREAM;
  }

  /** A started stream ended, with status OK or not. */
  public void streamEnded(boolean ok) {
    if (ok) {
      streamsSucceeded++;
    } else {
      streamsFailed++;
    }
  }

  public void messageSent() {
    messagesSent++;
    undated |= SENT;
  }

  public void messageReceived() {
    messagesReceived++;
    undated |= RECEIVED;
  }

  public void keepAliveSent() {
    keepAlivesSent++;
  }

  /** Whether events wait for {@link #stamp}: the caller reads its clock only then. */
  public boolean undated() {
    return undated != 0;
  }

  /** Dates the events since the last stamp {@code nowNanos}. */
  public void stamp(long nowNanos) {
    int due = undated;
    if (due == 0) {
      return;
    }
    undated = 0;
    if ((due & LOCAL_STREAM) != 0) {
      lastLocalStreamCreatedNanos = nowNanos;
    }
    if ((due & REMOTE_STREAM) != 0) {
      lastRemoteStreamCreatedNanos = nowNanos;
    }
    if ((due & SENT) != 0) {
      lastMessageSentNanos = nowNanos;
    }
    if ((due & RECEIVED) != 0) {
      lastMessageReceivedNanos = nowNanos;
    }
  }

  /** The figures now, with the transport's part (events still undated take {@code nowNanos}). */
  public SocketFigures figures(long nowNanos, long localWindow, long remoteWindow,
      SocketFigures.Tls tls) {
    stamp(nowNanos);
    return new SocketFigures(streamsStarted, streamsSucceeded, streamsFailed, messagesSent,
        messagesReceived, keepAlivesSent, lastLocalStreamCreatedNanos, lastRemoteStreamCreatedNanos,
        lastMessageSentNanos, lastMessageReceivedNanos, nowNanos, localWindow, remoteWindow, tls);
  }
}
