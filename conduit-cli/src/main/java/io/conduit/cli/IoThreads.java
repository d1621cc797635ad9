package io.conduit.cli;

import io.conduit.internal.netty.EventLoops;
import java.util.concurrent.TimeUnit;

/**
 * Ends Conduit's shared I/O threads before the command exits. The JVM's exit waits up to 300 ms
 * for threads in native code to block, and an idle event loop is always in native code (in
 * {@code epoll_wait}): without this, every run of the command would end 300 ms after its answer.
 *
 * <p>The runtime has no public way to end these threads (a server or application never needs
 * one), so this reaches into its internal package from the class path; it is the only such use
 * in this module.
 */
final class IoThreads {
  private IoThreads() {}

  /** Stops the I/O threads, waiting briefly; call once nothing needs the network any more. */
  static void stop() {
    EventLoops.group().shutdownGracefully(0, 100, TimeUnit.MILLISECONDS)
        .awaitUninterruptibly(200, TimeUnit.MILLISECONDS);
  }
}
