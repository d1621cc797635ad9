package io.conduit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that forwards to a target until {@link #blackhole()}: then it stops
 * moving bytes in both directions but keeps every socket open, the way a peer behind a dead
 * network path looks (no FIN, no RST).
 */
public final class BlackholeProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean blackholed;
  private volatile boolean closed;
  /** Pumps wait on it while blackholed; close() wakes them. */
  private final Object gate = new Object();

  public BlackholeProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "blackhole-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** From now on nothing passes, and nothing is closed. */
  public void blackhole() {
    blackholed = true;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        while (!closed) {
          if (blackholed) {
            // Hold everything: read nothing, write nothing, close nothing.
            synchronized (gate) {
              while (!closed) {
                gate.wait();
              }
            }
            continue;
          }
          int n = in.read(buf);
          if (n < 0) {
            return;
          }
          if (!blackholed) {
            out.write(buf, 0, n);
            out.flush();
          }
        }
      } catch (IOException | InterruptedException e) {
        // The test is over or a side closed.
      }
    }, "blackhole-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    synchronized (gate) {
      gate.notifyAll();
    }
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
