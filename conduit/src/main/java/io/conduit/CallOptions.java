package io.conduit;

import java.time.Duration;

/**
 * Per-call settings: deadline, wait-for-ready, compression, message size limits, call
 * credentials. Immutable; each {@code with*} method returns a copy.
 */
public final class CallOptions {

  /** No deadline, fail fast, no compression, channel limits. */
  public static final CallOptions DEFAULT = new CallOptions(null, false, null, -1, -1, null);

  private final Deadline deadline;
  private final boolean waitForReady;
  private final String compression;
  private final int maxInboundMessageSize;
  private final int maxOutboundMessageSize;
  private final CallCredentials callCredentials;

  private CallOptions(Deadline deadline, boolean waitForReady, String compression,
      int maxInboundMessageSize, int maxOutboundMessageSize, CallCredentials callCredentials) {
    this.deadline = deadline;
    this.waitForReady = waitForReady;
    this.compression = compression;
    this.maxInboundMessageSize = maxInboundMessageSize;
    this.maxOutboundMessageSize = maxOutboundMessageSize;
    this.callCredentials = callCredentials;
  }

  /** The deadline, or {@code null} for none. */
  public Deadline deadline() {
    return deadline;
  }

  /** These options with {@code newDeadline} (null for none). */
  public CallOptions withDeadline(Deadline newDeadline) {
    return new CallOptions(newDeadline, waitForReady, compression, maxInboundMessageSize,
        maxOutboundMessageSize, callCredentials);
  }

  /** A deadline {@code timeout} from now. */
  public CallOptions withTimeout(Duration timeout) {
    return withDeadline(Deadline.after(timeout));
  }

  /** Whether the call waits for a ready connection instead of failing fast. */
  public boolean isWaitForReady() {
    return waitForReady;
  }

  /** Wait for a ready connection instead of failing fast (doc/wait-for-ready.md). */
  public CallOptions withWaitForReady(boolean enabled) {
    return new CallOptions(deadline, enabled, compression, maxInboundMessageSize,
        maxOutboundMessageSize, callCredentials);
  }

  /** The compressor name for request messages ({@code "gzip"}...), or {@code null}. */
  public String compression() {
    return compression;
  }

  /** These options with the request messages compressed by {@code compressorName}. */
  public CallOptions withCompression(String compressorName) {
    return new CallOptions(deadline, waitForReady, compressorName, maxInboundMessageSize,
        maxOutboundMessageSize, callCredentials);
  }

  /** The largest response message accepted, or -1 for the channel's limit. */
  public int maxInboundMessageSize() {
    return maxInboundMessageSize;
  }

  /** These options with the largest response message this call accepts, in bytes. */
  public CallOptions withMaxInboundMessageSize(int bytes) {
    return new CallOptions(deadline, waitForReady, compression, checkSize(bytes),
        maxOutboundMessageSize, callCredentials);
  }

  /** The largest request message sent, or -1 for no limit. */
  public int maxOutboundMessageSize() {
    return maxOutboundMessageSize;
  }

  /** These options with the largest request message this call sends, in bytes. */
  public CallOptions withMaxOutboundMessageSize(int bytes) {
    return new CallOptions(deadline, waitForReady, compression, maxInboundMessageSize,
        checkSize(bytes), callCredentials);
  }

  /** Credentials for this call, on top of the channel's; or {@code null}. */
  public CallCredentials callCredentials() {
    return callCredentials;
  }

  /** Adds {@code credentials}' metadata to the call (after the channel's own credentials). */
  public CallOptions withCallCredentials(CallCredentials credentials) {
    return new CallOptions(deadline, waitForReady, compression, maxInboundMessageSize,
        maxOutboundMessageSize, credentials);
  }

  private static int checkSize(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("message size limit must be >= 0: " + bytes);
    }
    return bytes;
  }

  @Override
  public String toString() {
    return "CallOptions{deadline=" + deadline + ", waitForReady=" + waitForReady
        + ", compression=" + compression + ", maxInbound=" + maxInboundMessageSize
        + ", maxOutbound=" + maxOutboundMessageSize
        + (callCredentials == null ? "" : ", callCredentials=" + callCredentials) + "}";
  }
}
