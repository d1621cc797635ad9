package io.conduit.internal.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The I/O threads shared by every channel and server of the JVM: one event loop per core, daemon
 * threads, created on first use. Sharing keeps thread counts flat however many channels exist.
 */
public final class EventLoops {
  private EventLoops() {}

  private static final class Holder {
    static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
        Runtime.getRuntime().availableProcessors(),
        new io.netty.util.concurrent.DefaultThreadFactory("conduit-io", true),
        NioIoHandler.newFactory());
  }

  /** Whether the current thread is a Netty I/O thread, which must never block. */
  public static boolean isIoThread() {
    return Thread.currentThread() instanceof io.netty.util.concurrent.FastThreadLocalThread;
  }

  public static EventLoopGroup group() {
    return Holder.GROUP;
  }

  public static Class<? extends io.netty.channel.Channel> socketChannel() {
    return NioSocketChannel.class;
  }

  /** A TCP client channel type, for APIs that want a {@code SocketChannel} class. */
  public static Class<? extends io.netty.channel.socket.SocketChannel> tcpSocketChannel() {
    return NioSocketChannel.class;
  }

  public static Class<? extends ServerChannel> serverSocketChannel() {
    return NioServerSocketChannel.class;
  }

  /** The client channel type for an address: TCP, or a Unix domain socket. */
  public static Class<? extends io.netty.channel.Channel> socketChannel(java.net.SocketAddress address) {
    return address instanceof java.net.UnixDomainSocketAddress
        ? io.netty.channel.socket.nio.NioDomainSocketChannel.class : NioSocketChannel.class;
  }

  /** The server channel type for an address: TCP, or a Unix domain socket. */
  public static Class<? extends ServerChannel> serverSocketChannel(java.net.SocketAddress address) {
    return address instanceof java.net.UnixDomainSocketAddress
        ? io.netty.channel.socket.nio.NioServerDomainSocketChannel.class : NioServerSocketChannel.class;
  }

  public static Class<? extends io.netty.channel.socket.DatagramChannel> datagramChannel() {
    return io.netty.channel.socket.nio.NioDatagramChannel.class;
  }
}
