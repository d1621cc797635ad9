package io.conduit.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A bare HTTP/2 client for tests that must send what a well-behaved gRPC client never would:
 * arbitrary headers, raw DATA bytes, resets. It records every response frame per stream.
 */
public final class RawHttp2Client implements AutoCloseable {

  /** What came back on one stream. */
  public static final class Response {
    public final List<Http2Headers> headers = new ArrayList<>();
    public final ByteArrayOutputStream data = new ByteArrayOutputStream();
    public Long resetCode;
    final CompletableFuture<Response> done = new CompletableFuture<>();

    /** The first HEADERS frame's value for {@code name}, or the trailers' when it is absent there. */
    public String header(String name) {
      for (Http2Headers h : headers) {
        CharSequence v = h.get(name);
        if (v != null) {
          return v.toString();
        }
      }
      return null;
    }

    @Override
    public String toString() {
      return "Response{headers=" + headers + ", dataBytes=" + data.size() + ", reset=" + resetCode + "}";
    }
  }

  private static final MultiThreadIoEventLoopGroup GROUP =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  private final Channel channel;
  private final Handler handler;
  private final Map<Integer, Response> responses;
  private final Holder holder;
  private int nextStreamId = 1;

  private RawHttp2Client(Channel channel, Holder holder) {
    this.channel = channel;
    this.handler = holder.handler;
    this.responses = holder.responses;
    this.holder = holder;
  }

  /** The server's first SETTINGS frame, as received. */
  public Http2Settings serverSettings() {
    return holder.serverSettings;
  }

  public static RawHttp2Client connect(String host, int port) throws Exception {
    Holder holder = new Holder();
    Channel ch = new Bootstrap().group(GROUP).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            holder.handler = new HandlerBuilder(holder).build();
            ch.pipeline().addLast(holder.handler);
          }
        })
        .connect(host, port).sync().channel();
    holder.settings.get(5, TimeUnit.SECONDS);
    return new RawHttp2Client(ch, holder);
  }

  /** gRPC request headers for {@code path}, to be altered by the test. */
  public static Http2Headers grpcHeaders(String path) {
    return new DefaultHttp2Headers()
        .method("POST").scheme("http").path(path).authority("localhost")
        .set("content-type", "application/grpc").set("te", "trailers");
  }

  /** A gRPC frame: flag byte, length, payload. */
  public static ByteBuf frame(int flags, byte[] payload) {
    ByteBuf b = Unpooled.buffer(5 + payload.length);
    b.writeByte(flags).writeInt(payload.length).writeBytes(payload);
    return b;
  }

  /** Opens a stream with {@code headers}, then sends each of {@code data}; END_STREAM on the last. */
  public int send(Http2Headers headers, boolean endStream, ByteBuf... data) throws Exception {
    int id;
    synchronized (this) {
      id = nextStreamId;
      nextStreamId += 2;
    }
    Response r = new Response();
    responses.put(id, r);
    channel.eventLoop().submit(() -> {
      ChannelHandlerContext ctx = channel.pipeline().context(handler);
      handler.encoder().writeHeaders(ctx, id, headers, 0, endStream && data.length == 0, ctx.newPromise());
      for (int i = 0; i < data.length; i++) {
        handler.encoder().writeData(ctx, id, data[i], 0, endStream && i == data.length - 1, ctx.newPromise());
      }
      // The handler's own flush: it first writes what flow control holds back.
      handler.flush(ctx);
    }).get(5, TimeUnit.SECONDS);
    return id;
  }

  /** Resets the stream (RST_STREAM CANCEL), as a client that gives up on it does. */
  public void reset(int streamId) throws Exception {
    channel.eventLoop().submit(() -> {
      ChannelHandlerContext ctx = channel.pipeline().context(handler);
      handler.resetStream(ctx, streamId, io.netty.handler.codec.http2.Http2Error.CANCEL.code(),
          ctx.newPromise());
      handler.flush(ctx);
    }).get(5, TimeUnit.SECONDS);
  }

  /** Waits for the stream to end (END_STREAM or RST_STREAM). */
  public Response await(int streamId) throws Exception {
    return responses.get(streamId).done.get(10, TimeUnit.SECONDS);
  }

  /** Whether the connection is still open. */
  public boolean isOpen() {
    return channel.isActive();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }

  /** State the handler fills before the client object exists. */
  private static final class Holder {
    final Map<Integer, Response> responses = new ConcurrentHashMap<>();
    final CompletableFuture<Void> settings = new CompletableFuture<>();
    volatile Http2Settings serverSettings;
    Handler handler;
  }

  private static final class Handler extends Http2ConnectionHandler {
    Handler(io.netty.handler.codec.http2.Http2ConnectionDecoder decoder,
        io.netty.handler.codec.http2.Http2ConnectionEncoder encoder, Http2Settings settings) {
      super(decoder, encoder, settings);
    }
  }

  private static final class HandlerBuilder
      extends io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder<Handler, HandlerBuilder> {
    HandlerBuilder(Holder holder) {
      server(false);
      frameListener(new Http2FrameAdapter() {
        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings s) {
          if (holder.serverSettings == null) {
            holder.serverSettings = s;
          }
          holder.settings.complete(null);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
            int padding, boolean endStream) {
          Response r = holder.responses.get(streamId);
          if (r != null) {
            r.headers.add(headers);
            if (endStream) {
              r.done.complete(r);
            }
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
          Response r = holder.responses.get(streamId);
          int n = data.readableBytes() + padding;
          if (r != null) {
            byte[] bytes = new byte[data.readableBytes()];
            data.readBytes(bytes);
            r.data.writeBytes(bytes);
            if (endOfStream) {
              r.done.complete(r);
            }
          }
          return n;
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
          Response r = holder.responses.get(streamId);
          if (r != null) {
            r.resetCode = errorCode;
            r.done.complete(r);
          }
        }
      });
    }

    @Override
    public Handler build() {
      return super.build();
    }

    @Override
    protected Handler build(io.netty.handler.codec.http2.Http2ConnectionDecoder decoder,
        io.netty.handler.codec.http2.Http2ConnectionEncoder encoder, Http2Settings initialSettings) {
      return new Handler(decoder, encoder, initialSettings);
    }
  }
}
