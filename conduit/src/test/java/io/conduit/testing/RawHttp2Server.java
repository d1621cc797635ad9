package io.conduit.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.InetSocketAddress;

/**
 * A bare HTTP/2 server for tests that must answer what a gRPC server never would: odd statuses,
 * wrong content types, resets, GOAWAYs. The responder is called once per request stream, on its headers.
 */
public final class RawHttp2Server implements AutoCloseable {

  /** Decides how to answer one request stream. */
  @FunctionalInterface
  public interface Responder {
    void respond(Stream stream);
  }

  /** One request stream and the frames to answer it with. */
  public static final class Stream {
    private final Handler handler;
    private final ChannelHandlerContext ctx;
    public final int id;
    public final Http2Headers requestHeaders;

    Stream(Handler handler, ChannelHandlerContext ctx, int id, Http2Headers requestHeaders) {
      this.handler = handler;
      this.ctx = ctx;
      this.id = id;
      this.requestHeaders = requestHeaders;
    }

    public Stream headers(Http2Headers headers, boolean endStream) {
      handler.encoder().writeHeaders(ctx, id, headers, 0, endStream, ctx.newPromise());
      handler.flush(ctx);
      return this;
    }

    public Stream data(ByteBuf data, boolean endStream) {
      handler.encoder().writeData(ctx, id, data, 0, endStream, ctx.newPromise());
      handler.flush(ctx);
      return this;
    }

    public Stream reset(long errorCode) {
      handler.resetStream(ctx, id, errorCode, ctx.newPromise());
      handler.flush(ctx);
      return this;
    }

    /** Sends GOAWAY on this stream's connection; streams above {@code lastStreamId} went unseen. */
    public Stream goAway(int lastStreamId, long errorCode) {
      handler.goAway(ctx, lastStreamId, errorCode, Unpooled.EMPTY_BUFFER, ctx.newPromise());
      handler.flush(ctx);
      return this;
    }

    /** The connection this stream came on, to tell connections apart. */
    public Channel connection() {
      return ctx.channel();
    }
  }

  private static final MultiThreadIoEventLoopGroup GROUP =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  private final Channel serverChannel;

  private RawHttp2Server(Channel serverChannel) {
    this.serverChannel = serverChannel;
  }

  public static RawHttp2Server start(Responder responder) throws InterruptedException {
    Channel ch = new ServerBootstrap().group(GROUP).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HandlerBuilder(responder).build());
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
    return new RawHttp2Server(ch);
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  @Override
  public void close() {
    serverChannel.close().syncUninterruptibly();
  }

  private static final class Handler extends Http2ConnectionHandler {
    Handler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
      super(decoder, encoder, settings);
    }
  }

  private static final class HandlerBuilder extends AbstractHttp2ConnectionHandlerBuilder<Handler, HandlerBuilder> {
    private final Responder responder;
    private Handler handler;

    HandlerBuilder(Responder responder) {
      this.responder = responder;
      server(true);
      frameListener(new Http2FrameAdapter() {
        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
            int padding, boolean endStream) {
          if (headers.method() != null) {
            responder.respond(new Stream(handler, ctx, streamId, headers));
          }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
            int streamDependency, short weight, boolean exclusive, int padding, boolean endStream) {
          onHeadersRead(ctx, streamId, headers, padding, endStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
            boolean endOfStream) {
          return data.readableBytes() + padding;
        }
      });
    }

    @Override
    public Handler build() {
      handler = super.build();
      return handler;
    }

    @Override
    protected Handler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      return new Handler(decoder, encoder, initialSettings);
    }
  }
}
