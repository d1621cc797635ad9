package io.conduit.internal.netty;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Errors;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;

/**
 * The I/O threads shared by every channel and server of the JVM: one event loop per core, daemon
 * threads, created on first use. Sharing keeps thread counts flat however many channels exist.
 *
 * <p>On Linux the loops use epoll (fewer system calls and less garbage than NIO, and the only way
 * to reach abstract Unix sockets); elsewhere, or with {@code -Dio.conduit.transport=nio}, or when
 * the native library does not load, NIO. Channel classes and socket addresses are translated here
 * so that the rest of the transport does not care which one runs.
 */
public final class EventLoops {
  private EventLoops() {}

  /** Whether the epoll transport is in use. */
  public static final boolean EPOLL =
      !"nio".equalsIgnoreCase(System.getProperty("io.conduit.transport")) && Epoll.isAvailable();

  private static final class Holder {
    static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
        Runtime.getRuntime().availableProcessors(),
        new DefaultThreadFactory("conduit-io", true),
        ioHandlerFactory());

    private static IoHandlerFactory ioHandlerFactory() {
      return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }
  }

  /** Whether the current thread is a Netty I/O thread, which must never block. */
  public static boolean isIoThread() {
    return Thread.currentThread() instanceof FastThreadLocalThread;
  }

  public static EventLoopGroup group() {
    return Holder.GROUP;
  }

  /** The client channel type for an address (as returned by {@link #toNetty}): TCP or Unix. */
  public static Class<? extends Channel> socketChannel(SocketAddress address) {
    if (EPOLL) {
      return address instanceof DomainSocketAddress
          ? EpollDomainSocketChannel.class : EpollSocketChannel.class;
    }
    return address instanceof UnixDomainSocketAddress
        ? NioDomainSocketChannel.class : NioSocketChannel.class;
  }

  /** The server channel type for an address (as returned by {@link #toNetty}): TCP or Unix. */
  public static Class<? extends ServerChannel> serverSocketChannel(SocketAddress address) {
    if (EPOLL) {
      return address instanceof DomainSocketAddress
          ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class;
    }
    return address instanceof UnixDomainSocketAddress
        ? NioServerDomainSocketChannel.class : NioServerSocketChannel.class;
  }

  /**
   * The {@code TCP_USER_TIMEOUT} (gRFC A18) for the TCP connections of a side whose keepalive
   * is on, or null when there is none to set: keepalive off, not TCP, or not epoll (NIO has no
   * such option; there the keepalive PING alone finds a dead peer, within {@code keepAliveTime +
   * keepAliveTimeout} of the last read). With it the kernel ends a connection whose sent data
   * stays unacknowledged for {@code keepAliveTimeout}, without waiting for the next PING.
   */
  public static Integer tcpUserTimeoutMillis(SocketAddress address, Duration keepAliveTime,
      Duration keepAliveTimeout) {
    if (!EPOLL || keepAliveTime == null || keepAliveTimeout == null
        || !(address instanceof InetSocketAddress)) {
      return null;
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, keepAliveTimeout.toMillis()));
  }

  /** Linux's ETIMEDOUT, as Netty's native transport reports it (negated). */
  private static final int ETIMEDOUT_NEGATIVE = -110;

  /**
   * Whether {@code cause} is the kernel giving up on the connection: its sent data went
   * unacknowledged for the {@code TCP_USER_TIMEOUT} (or TCP's own retransmission limit).
   */
  public static boolean isTimedOut(Throwable cause) {
    return cause instanceof Errors.NativeIoException e && e.expectedErr() == ETIMEDOUT_NEGATIVE;
  }

  /**
   * What a status says of a connection {@link #isTimedOut timed out}: with {@code userTimeout}
   * (the keepalive timeout, when keepalive is on) how long the {@code peer} ("server", "client")
   * left sent data unacknowledged; without, that TCP gave up retransmitting.
   */
  public static String describeTimeout(String peer, Duration userTimeout) {
    return userTimeout != null && EPOLL
        ? "connection timed out: the " + peer + " acknowledged nothing sent for the keepalive "
            + "timeout of " + userTimeout.toMillis() + " ms (TCP_USER_TIMEOUT)"
        : "connection timed out: TCP gave up retransmitting to the " + peer;
  }

  /** The TCP client channel type, for APIs that want a {@code SocketChannel} class. */
  public static Class<? extends SocketChannel> tcpSocketChannel() {
    return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  public static Class<? extends DatagramChannel> datagramChannel() {
    return EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }

  /**
   * The address of the abstract Unix socket {@code name} (Linux only: a name in the kernel's
   * abstract namespace, not a file).
   *
   * @throws IllegalArgumentException when the epoll transport is not available
   */
  public static SocketAddress abstractUnixAddress(String name) {
    if (!EPOLL) {
      throw new IllegalArgumentException("abstract Unix socket '" + name + "' needs the epoll "
          + "transport (Linux, netty-transport-native-epoll on the class path"
          + (Epoll.isAvailable() ? ", and not -Dio.conduit.transport=nio)" : "): "
          + Epoll.unavailabilityCause()));
    }
    if (name.isEmpty() || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("invalid abstract Unix socket name: '" + name + "'");
    }
    // Linux marks abstract names with a leading NUL byte.
    return new DomainSocketAddress("\0" + name);
  }

  /** The address a Netty channel of this transport connects or binds to. */
  public static SocketAddress toNetty(SocketAddress address) {
    if (EPOLL && address instanceof UnixDomainSocketAddress unix) {
      return new DomainSocketAddress(unix.getPath().toString());
    }
    if (!EPOLL && address instanceof DomainSocketAddress domain) {
      if (isAbstract(domain)) {
        throw new IllegalArgumentException(
            "abstract Unix sockets need the epoll transport: " + describe(domain));
      }
      return UnixDomainSocketAddress.of(domain.path());
    }
    return address;
  }

  /**
   * The address to show users for one a Netty channel reports: a file socket as the JDK's
   * {@link UnixDomainSocketAddress}, whichever transport runs.
   */
  public static SocketAddress fromNetty(SocketAddress address) {
    if (address instanceof DomainSocketAddress domain && !isAbstract(domain)) {
      return UnixDomainSocketAddress.of(domain.path());
    }
    return address;
  }

  private static boolean isAbstract(DomainSocketAddress address) {
    return address.path().startsWith("\0");
  }

  /** {@code unix-abstract:name} for abstract sockets, the address itself otherwise. */
  public static String describe(SocketAddress address) {
    if (address instanceof DomainSocketAddress domain) {
      return isAbstract(domain) ? "unix-abstract:" + domain.path().substring(1)
          : "unix:" + domain.path();
    }
    return String.valueOf(address);
  }
}
