package io.conduit.interop.peer;

import io.grpc.Server;
import java.util.concurrent.TimeUnit;

/** What the peer module's servers share: a graceful stop on SIGTERM. */
final class PeerServers {
  private PeerServers() {}

  /**
   * On SIGTERM, shuts {@code server} down, forcing it after 5 s, then runs {@code after}
   * (releasing what the server's services used).
   */
  static void stopOnSigterm(Server server, String threadName, Runnable after) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdown();
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
      }
      after.run();
    }, threadName));
  }
}
