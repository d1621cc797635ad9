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

  /** {@return the deadline, or {@code null} for none} */
  public Deadline deadline() {
    return deadline;
  }

  /**
   * These options with {@code newDeadline} (null for none).
   *
   * @param newDeadline the call's deadline, or {@code null} for none
   * @return new options; these are unchanged
   */
  public CallOptions withDeadline(Deadline newDeadline) {
    return new CallOptions(newDeadline, waitForReady, compression, maxInboundMessageSize,
        maxOutboundMessageSize, callCredentials);
  }

  /**
   * A deadline {@code timeout} from now.
   *
   * @param timeout how long the call may take, counted from now
   * @return new options; these are unchanged
   */
  public CallOptions withTimeout(Duration timeout) {
    return withDeadline(Deadline.after(timeout));
  }

  /** {@return whether the call waits for a ready connection instead of failing fast} */
  public boolean isWaitForReady() {
    return waitForReady;
  }

  /**
   * Wait for a ready connection instead of failing fast (doc/wait-for-ready.md).
   *
   * @param enabled whether to wait for a ready connection
   * @return new options; these are unchanged
   */
  public CallOptions withWaitForReady(boolean enabled) {
    return new CallOptions(deadline, enabled, compression, maxInboundMessageSize,
        maxOutboundMessageSize, callCredentials);
  }

  /** {@return the compressor name for request messages ({@code "gzip"}...), or {@code null}} */
  public String compression() {
    return compression;
  }

  /**
   * These options with the request messages compressed by {@code compressorName}.
   *
   * @param compressorName a registered compressor's name, such as {@code gzip}; {@code null} or
   *     {@code identity} for none
   * @return new options; these are unchanged
   */
  public CallOptions withCompression(String compressorName) {
    return new CallOptions(deadline, waitForReady, compressorName, maxInboundMessageSize,
        maxOutboundMessageSize, callCredentials);
  }

  /** {@return the largest response message accepted, or -1 for the channel's limit} */
  public int maxInboundMessageSize() {
    return maxInboundMessageSize;
  }

  /**
   * These options with the largest response message this call accepts, in bytes.
   *
   * @param bytes the largest response message accepted, in bytes
   * @return new options; these are unchanged
   */
  public CallOptions withMaxInboundMessageSize(int bytes) {
    return new CallOptions(deadline, waitForReady, compression, checkSize(bytes),
        maxOutboundMessageSize, callCredentials);
  }

  /** {@return the largest request message sent, or -1 for no limit} */
  public int maxOutboundMessageSize() {
    return maxOutboundMessageSize;
  }

  /**
   * These options with the largest request message this call sends, in bytes.
   *
   * @param bytes the largest request message sent, in bytes
   * @return new options; these are unchanged
   */
  public CallOptions withMaxOutboundMessageSize(int bytes) {
    return new CallOptions(deadline, waitForReady, compression, maxInboundMessageSize,
        checkSize(bytes), callCredentials);
  }

  /**
   * Credentials for this call, on top of the channel's; or {@code null}.
   *
   * @return the call's own credentials, or {@code null}
   */
  public CallCredentials callCredentials() {
    return callCredentials;
  }

  /**
   * Adds {@code credentials}' metadata to the call (after the channel's own credentials).
   *
   * @param credentials the credentials to add for this call
   * @return new options; these are unchanged
   */
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
