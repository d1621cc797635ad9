package io.conduit.internal.inprocess;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** One daemon timer thread for in-process calls' timers (they have no event loop). */
final class InProcessScheduler {
  private static volatile ScheduledExecutorService instance;

  private InProcessScheduler() {}

  static ScheduledExecutorService get() {
    ScheduledExecutorService s = instance;
    if (s == null) {
      synchronized (InProcessScheduler.class) {
        s = instance;
        if (s == null) {
          ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "conduit-inprocess-timer");
            t.setDaemon(true);
            return t;
          });
          pool.setRemoveOnCancelPolicy(true);
          instance = s = pool;
        }
      }
    }
    return s;
  }
}
