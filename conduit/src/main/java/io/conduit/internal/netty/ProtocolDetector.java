package io.conduit.internal.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;

/**
 * Tells a connection that opens with the HTTP/2 client preface (prior knowledge, or after ALPN
 * {@code h2}) from one that opens with an HTTP/1.1 request, installs the handlers for the one it
 * is, and steps aside; the bytes read so far go on to them. Until then it stands for the
 * connection in its transport (a connection that has not said what it is has no calls).
 */
final class ProtocolDetector extends ByteToMessageDecoder implements ServerConnection {
  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

  private Runnable http2;
  private Runnable http1;
  private Runnable onClosed = () -> {};
  private ChannelHandlerContext ctx;
  /** Event loop state: once set, the connection belongs to the handlers installed. */
  private boolean decided;

  /** What installs each protocol's handlers; they run on the event loop, before this steps aside. */
  void onDetected(Runnable http2, Runnable http1) {
    this.http2 = http2;
    this.http1 = http1;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (decided) {
      return;
    }
    int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
    // An HTTP/1.1 request line cannot start like "PRI * HTTP/2.0": the first differing byte
    // decides, and a prefix of the preface waits for more.
    boolean prefix = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, n);
    if (prefix && n < PREFACE.readableBytes()) {
      return;
    }
    decided = true;
    (prefix ? http2 : http1).run();
    ctx.pipeline().remove(this);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    if (!decided) {
      decided = true;
      onClosed.run();
    }
  }

  @Override
  public void shutdown(boolean now) {
    // Nothing to wait for: no request has begun.
    ctx.channel().close();
  }

  @Override
  public void onClosed(Runnable task) {
    this.onClosed = task;
  }
}
