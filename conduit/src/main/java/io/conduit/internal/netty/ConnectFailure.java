package io.conduit.internal.netty;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;

/** Why a connection attempt failed, in words that name the address and the cause. */
final class ConnectFailure {
  private ConnectFailure() {}

  static String describe(SocketAddress address, Throwable cause) {
    String where = where(address);
    if (address instanceof UnixDomainSocketAddress unix && !Files.exists(unix.getPath())) {
      return "failed to connect to " + where + ": no socket file at " + unix.getPath();
    }
    String why = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName();
    int quoted = why.lastIndexOf(": ");
    if (address instanceof InetSocketAddress inet && quoted > 0
        && why.endsWith(":" + inet.getPort())) {
      // Netty appends the address, which this message already starts with.
      why = why.substring(0, quoted);
    }
    return "failed to connect to " + where + ": " + why;
  }

  private static String where(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      return inet.getHostString() + ":" + inet.getPort();
    }
    if (address instanceof UnixDomainSocketAddress unix) {
      return "unix:" + unix.getPath();
    }
    return String.valueOf(address);
  }
}
