package io.conduit.internal.netty;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2FrameReader;
import io.netty.handler.codec.http2.Http2PromisedRequestVerifier;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * The per-connection limits that keep a hostile HTTP/2 client from exhausting the server, and the
 * codec that enforces them. Each limit breaks the connection with GOAWAY ENHANCE_YOUR_CALM (or
 * PROTOCOL_ERROR for oversized header blocks) when exceeded; 0 turns a limit off.
 *
 * @param maxResetsPerWindow stream resets per window that a client may be to blame for, in one
 *     budget ({@link ResetBudget}): the RST_STREAM frames it sends (rapid reset, CVE-2023-44487)
 *     plus the resets it makes the server send, for requests the server rejects while the client
 *     is still sending and for stream errors (MadeYouReset, CVE-2025-8671). Resets that end a
 *     complete response early (NO_ERROR) and cancellations by the server (CANCEL) do not count
 * @param resetWindowSeconds the window of {@code maxResetsPerWindow}
 * @param maxQueuedControlFrames PING/SETTINGS acknowledgements and resets queued for a client that
 *     does not read (PING and SETTINGS floods). Keep it well under what fills the outbound
 *     buffer's high-water mark (64 KiB, some 580 such frames with Netty's per-write overhead):
 *     there {@link ConnectionGuard} stops reading from the client, the flood stalls instead of
 *     reaching the limit, and only the write-stall timeout ends it, without a GOAWAY
 * @param maxConsecutiveEmptyDataFrames empty DATA frames without END_STREAM in a row
 * @param maxSmallContinuationFrames tiny CONTINUATION frames in one header block (CONTINUATION
 *     flood; large ones are bounded by the header list size)
 */
public record AbuseLimits(int maxResetsPerWindow, int resetWindowSeconds, int maxQueuedControlFrames,
    int maxConsecutiveEmptyDataFrames, int maxSmallContinuationFrames) {

  /** 200 resets per 10 s, 256 queued control frames, 2 empty DATA frames, 16 tiny CONTINUATIONs. */
  public static final AbuseLimits DEFAULT = new AbuseLimits(200, 10, 256, 2, 16);

  public AbuseLimits {
    if (maxResetsPerWindow < 0 || resetWindowSeconds < 0 || maxQueuedControlFrames < 0
        || maxConsecutiveEmptyDataFrames < 0 || maxSmallContinuationFrames < 0) {
      throw new IllegalArgumentException("limits must be >= 0: " + this);
    }
  }

  public AbuseLimits withResets(int resets, int windowSeconds) {
    return new AbuseLimits(resets, windowSeconds, maxQueuedControlFrames,
        maxConsecutiveEmptyDataFrames, maxSmallContinuationFrames);
  }

  public AbuseLimits withMaxQueuedControlFrames(int frames) {
    return new AbuseLimits(maxResetsPerWindow, resetWindowSeconds, frames,
        maxConsecutiveEmptyDataFrames, maxSmallContinuationFrames);
  }

  /** A fresh reset budget for one connection. */
  ResetBudget newResetBudget(io.conduit.Clock clock) {
    return new ResetBudget(clock, maxResetsPerWindow, resetWindowSeconds);
  }

  /** Makes a connection handler. */
  @FunctionalInterface
  interface HandlerFactory<T extends Http2ConnectionHandler> {
    T create(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings);
  }

  /**
   * A server handler whose codec enforces these limits, with {@code initial} applied at once (so
   * MAX_CONCURRENT_STREAMS holds before the client acknowledges it). Netty's decorating decoders
   * wrap the frame listener: set it on {@code handler.decoder()}, not on a decoder of your own.
   */
  <T extends Http2ConnectionHandler> T buildServer(Http2Connection connection, Http2Settings initial,
      long gracefulShutdownTimeoutMillis, HandlerFactory<T> factory) {
    // The codec is built here rather than by Netty's builder so that its frame writer is
    // Conduit's (FrameWriters: smaller HPACK index); the builder then adds only its decorators.
    Long maxHeaderListSize = initial.maxHeaderListSize();
    // gRPC metadata values may hold what Netty's value check refuses (a leading space); names
    // are checked where headers become metadata. The client's decoder checks names only.
    boolean validateHeaders = false;
    Http2FrameReader reader = new DefaultHttp2FrameReader(
        new DefaultHttp2HeadersDecoder(validateHeaders,
            maxHeaderListSize == null ? Http2CodecUtil.DEFAULT_HEADER_LIST_SIZE : maxHeaderListSize,
            /* initialHuffmanDecodeCapacity= */ -1),
        // Netty's reader refuses every CONTINUATION at 0; here 0 means no limit.
        maxSmallContinuationFrames == 0 ? Integer.MAX_VALUE : maxSmallContinuationFrames);
    Http2ConnectionEncoder encoder = new DefaultHttp2ConnectionEncoder(connection, FrameWriters.create());
    if (maxQueuedControlFrames > 0) {
      encoder = new ControlFrameLimit(encoder, maxQueuedControlFrames);
    }
    // No RST limit encoder: the handler's ResetBudget counts sent resets (see Builder.limits).
    Http2ConnectionDecoder decoder = new DefaultHttp2ConnectionDecoder(connection, encoder, reader,
        Http2PromisedRequestVerifier.ALWAYS_VERIFY, /* autoAckSettings= */ true,
        /* autoAckPing= */ true, validateHeaders, /* validateRequiredPseudoHeaders= */ false);
    return new Builder<>(factory)
        .limits(this)
        .codec(decoder, encoder)
        .initialSettings(initial)
        .gracefulShutdownTimeoutMillis(gracefulShutdownTimeoutMillis)
        // A placeholder: the caller sets the real listener on the built handler's decoder.
        .frameListener(new io.netty.handler.codec.http2.Http2FrameAdapter())
        .build();
  }

  /** Exposes the protected knobs of Netty's builder; the knobs build Netty's own guards. */
  private static final class Builder<T extends Http2ConnectionHandler>
      extends AbstractHttp2ConnectionHandlerBuilder<T, Builder<T>> {
    private final HandlerFactory<T> factory;

    Builder(HandlerFactory<T> factory) {
      this.factory = factory;
    }

    /** The guards Netty's builder wraps around a given codec; set before {@link #codec}. */
    Builder<T> limits(AbuseLimits l) {
      // Netty counts received resets in a budget of its own, and leaves out the NO_ERROR resets
      // that end rejected requests: the handler's ResetBudget does the job instead.
      decoderEnforceMaxRstFramesPerWindow(0, 0);
      decoderEnforceMaxConsecutiveEmptyDataFrames(l.maxConsecutiveEmptyDataFrames());
      return this;
    }

    @Override
    protected Builder<T> codec(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder) {
      return super.codec(decoder, encoder);
    }

    @Override
    protected Builder<T> initialSettings(Http2Settings settings) {
      return super.initialSettings(settings);
    }

    @Override
    protected Builder<T> frameListener(io.netty.handler.codec.http2.Http2FrameListener listener) {
      return super.frameListener(listener);
    }

    @Override
    protected Builder<T> gracefulShutdownTimeoutMillis(long millis) {
      return super.gracefulShutdownTimeoutMillis(millis);
    }

    @Override
    protected T build() {
      return super.build();
    }

    @Override
    protected T build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      return factory.create(decoder, encoder, initialSettings);
    }
  }
}
