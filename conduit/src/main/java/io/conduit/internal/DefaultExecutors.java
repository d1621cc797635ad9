package io.conduit.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The default handler executor: virtual threads on JDK 21+, a bounded pool otherwise. */
public final class DefaultExecutors {
  private DefaultExecutors() {}

  /**
   * The executor a channel or server runs callbacks on: none ({@code null}) for direct execution,
   * the user's, or a default one that the caller owns ({@code owned}) and shuts down.
   */
  public record Choice(Executor executor, ExecutorService owned) {
    public static Choice of(boolean direct, Executor given, String threadName) {
      if (direct) {
        return new Choice(null, null);
      }
      if (given != null) {
        return new Choice(given, null);
      }
      ExecutorService owned = newHandlerExecutor(threadName);
      return new Choice(owned, owned);
    }
  }

  /** Whether this JVM runs handlers on virtual threads. */
  public static boolean virtualThreads() {
    return Runtime.version().feature() >= 21;
  }

  /** A new executor for handlers; the caller owns and shuts it down. */
  public static ExecutorService newHandlerExecutor(String name) {
    if (virtualThreads()) {
      try {
        // Compiled for Java 17, so reach the Java 21 factory reflectively.
        return (ExecutorService) MethodHandles.publicLookup()
            .findStatic(java.util.concurrent.Executors.class, "newVirtualThreadPerTaskExecutor",
                MethodType.methodType(ExecutorService.class))
            .invoke();
      } catch (Throwable e) {
        // Fall through to the pool.
      }
    }
    int threads = Math.max(64, Runtime.getRuntime().availableProcessors() * 32);
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), daemonThreads(name));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * One daemon thread, started on the first task and ended after a minute without one; the
   * caller owns and shuts it down.
   */
  public static ExecutorService newSingleThread(String name) {
    ThreadPoolExecutor one = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), daemonThreads(name));
    one.allowCoreThreadTimeOut(true);
    return one;
  }

  public static ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
