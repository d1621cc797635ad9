package io.conduit.xds.internal;

import io.conduit.Channel;
import io.conduit.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The xDS clients of this JVM, one per bootstrap, shared by the channels that use it (gRFC A27:
 * one ADS stream per management server, not one per channel) and closed with the last of them.
 */
final class XdsClientPool {
  private static final Map<String, Entry> CLIENTS = new HashMap<>();

  private XdsClientPool() {}

  /** A lease on a client; give it back with {@link Lease#close()}. */
  interface Lease extends AutoCloseable {
    XdsClient client();

    @Override
    void close();
  }

  /** The clients in use now, for CSDS. */
  static synchronized java.util.List<XdsClient> clients() {
    return CLIENTS.values().stream().map(e -> e.client).toList();
  }

  static synchronized Lease acquire(Bootstrap bootstrap) {
    Entry e = CLIENTS.computeIfAbsent(bootstrap.json(), k -> new Entry(bootstrap));
    e.refs++;
    return new Lease() {
      private boolean closed;

      @Override
      public XdsClient client() {
        return e.client;
      }

      @Override
      public void close() {
        synchronized (XdsClientPool.class) {
          if (closed) {
            return;
          }
          closed = true;
          if (--e.refs == 0) {
            CLIENTS.remove(bootstrap.json());
            e.close();
          }
        }
      }
    };
  }

  private static final class Entry {
    final ScheduledExecutorService timers;
    final Channel channel;
    final XdsClient client;
    int refs;

    Entry(Bootstrap bootstrap) {
      ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "conduit-xds-client");
        thread.setDaemon(true);
        return thread;
      });
      t.setRemoveOnCancelPolicy(true);
      timers = t;
      Channel.Builder builder = Channel.builder(bootstrap.serverUri());
      channel = (bootstrap.tls() ? builder.tls() : builder.plaintext()).build();
      client = new XdsClient(bootstrap, channel, timers, Clock.SYSTEM, timers);
    }

    void close() {
      client.shutdown();
      channel.close();
      timers.execute(timers::shutdown);
      try {
        timers.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
