package io.conduit.internal.web;

import io.conduit.Clock;
import io.conduit.internal.netty.ServerConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 connection of the web protocols: its requests one at a time, in order. Requests a
 * client pipelines behind the current one wait, within a bound (more closes the connection); a
 * connection idle between requests for longer than the handshake timeout closes, so that a
 * slow client cannot hold it with headers that never end. Event loop only.
 */
final class Http1Connection extends ChannelDuplexHandler implements ServerConnection {
  private static final System.Logger LOG = System.getLogger(Http1Connection.class.getName());

  /** What a client may pipeline behind the request being served before it is cut off. */
  static final int MAX_PIPELINED_BYTES = 64 * 1024;
  static final int MAX_PIPELINED_MESSAGES = 64;

  private final WebRouter router;
  private final Clock clock;
  private final long idleTimeoutNanos;
  private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
  private int pipelinedBytes;
  private ChannelHandlerContext ctx;
  private Runnable onClosed = () -> {};
  private ScheduledFuture<?> idleTimer;
  private volatile boolean started;

  // The request being served.
  private Http1Exchange exchange;
  private RequestBody body;
  private boolean requestEnded;
  private boolean closeAfterResponse;
  /** The response is out; the rest of the request body is dropped as it comes. */
  private boolean exchangeDone;

  Http1Connection(WebRouter router, Clock clock, long idleTimeoutNanos) {
    this.router = router;
    this.clock = clock;
    this.idleTimeoutNanos = idleTimeoutNanos;
  }

  /** Whether the first request's headers have arrived. Any thread. */
  boolean started() {
    return started;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (exchange != null && (requestEnded || !pipelined.isEmpty())) {
      queue(msg);
      return;
    }
    handle(msg);
  }

  /** A message of a request pipelined behind the current one. */
  private void queue(Object msg) {
    pipelined.add(msg);
    if (msg instanceof ByteBufHolder b) {
      pipelinedBytes += b.content().readableBytes();
    }
    if (pipelined.size() > MAX_PIPELINED_MESSAGES || pipelinedBytes > MAX_PIPELINED_BYTES) {
      LOG.log(Level.DEBUG, () -> "closing " + ctx.channel() + ": too many pipelined requests");
      ctx.close();
      return;
    }
    // Read no more until the queue drains: TCP then holds the client back.
    ctx.channel().config().setAutoRead(false);
  }

  private void handle(Object msg) {
    try {
      if (msg instanceof HttpRequest request) {
        startRequest(request);
      }
      if (msg instanceof HttpContent content && body != null) {
        if (content.decoderResult().isFailure()) {
          reject(content.decoderResult());
          return;
        }
        body.data(content.content().retain());
        if (msg instanceof LastHttpContent) {
          requestEnded = true;
          Http1Exchange current = exchange;
          body.end();
          if (exchange == current && exchangeDone) {
            finishExchange();
          }
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void startRequest(HttpRequest request) {
    started = true;
    cancelIdleTimer();
    if (request.decoderResult().isFailure()) {
      reject(request.decoderResult());
      return;
    }
    if (!HttpUtil.isKeepAlive(request)) {
      closeAfterResponse = true;
    }
    requestEnded = false;
    exchangeDone = false;
    exchange = new Http1Exchange(this, ctx.channel(), router.corsHeaders(request.headers()));
    body = router.route(exchange, request);
  }

  /** A request that cannot be read: an HTTP error, and the connection closes (it is lost sync). */
  private void reject(DecoderResult result) {
    Throwable cause = result.cause();
    HttpResponseStatus status = cause instanceof TooLongHttpLineException
        ? HttpResponseStatus.REQUEST_URI_TOO_LONG
        : cause instanceof TooLongHttpHeaderException
            ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST;
    LOG.log(Level.DEBUG, () -> "refusing a request on " + ctx.channel() + ": " + cause);
    closeAfterResponse = true;
    if (body != null) {
      body.clientGone();
      body = null;
    }
    if (exchange == null || !exchange.headSent()) {
      exchange = new Http1Exchange(this, ctx.channel(), null);
      WebRouter.plainError(exchange, status, cause == null ? "bad request" : cause.getMessage());
    } else {
      ctx.close();
    }
  }

  /** Whether the connection closes once the current response is out. */
  boolean closesAfterResponse() {
    return closeAfterResponse;
  }

  /** The response of {@code ended} is complete and written. */
  void responseEnded(Http1Exchange ended) {
    if (ended != exchange) {
      return;
    }
    exchangeDone = true;
    if (closeAfterResponse) {
      ctx.close();
      return;
    }
    if (requestEnded) {
      finishExchange();
    }
    // Else the rest of the request body is read and dropped first.
  }

  /** Request and response both complete: on to the next request. */
  private void finishExchange() {
    exchange = null;
    body = null;
    startIdleTimer();
    // The next request, as far as it came: up to its end, or up to what has arrived of it.
    while (!pipelined.isEmpty() && (exchange == null || !requestEnded)) {
      Object next = pipelined.poll();
      if (next instanceof ByteBufHolder b) {
        pipelinedBytes -= b.content().readableBytes();
      }
      handle(next);
    }
    if (pipelined.isEmpty()) {
      ctx.channel().config().setAutoRead(true);
      ctx.read();
    }
  }

  private void startIdleTimer() {
    if (idleTimeoutNanos == Long.MAX_VALUE || !ctx.channel().isActive()) {
      return;
    }
    cancelIdleTimer();
    idleTimer = clock.schedule(ctx.executor(), () -> {
      if (exchange == null) {
        LOG.log(Level.DEBUG, () -> "closing " + ctx.channel() + ": no request within "
            + TimeUnit.NANOSECONDS.toMillis(idleTimeoutNanos) + " ms");
        ctx.close();
      }
    }, idleTimeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void cancelIdleTimer() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    try {
      cancelIdleTimer();
      if (body != null) {
        RequestBody b = body;
        body = null;
        b.clientGone();
      }
      Object m;
      while ((m = pipelined.poll()) != null) {
        ReferenceCountUtil.release(m);
      }
      super.channelInactive(ctx);
    } finally {
      onClosed.run();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(cause instanceof java.io.IOException ? Level.DEBUG : Level.WARNING,
        "closing HTTP/1.1 connection " + ctx.channel() + ": " + cause, cause);
    ctx.close();
  }

  @Override
  public void shutdown(boolean now) {
    ctx.executor().execute(() -> {
      if (now || exchange == null) {
        ctx.close();
      } else {
        closeAfterResponse = true;
      }
    });
  }

  @Override
  public void onClosed(Runnable task) {
    this.onClosed = task;
  }
}
