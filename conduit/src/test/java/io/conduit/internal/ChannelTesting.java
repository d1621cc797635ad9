package io.conduit.internal;

import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ClientCalls;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** Helpers for the channel tests: calls, tallies, polling. */
final class ChannelTesting {
  private ChannelTesting() {}

  /** Which backend answered; throws {@link StatusException} on failure. */
  static String who(CallFactory channel) {
    return who(channel, CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)));
  }

  static String who(CallFactory channel, CallOptions options) {
    return ClientCalls.blockingUnary(channel, Backend.WHO, options, "who");
  }

  /** The status a call fails with, or OK. */
  static Status statusOf(CompletableFuture<?> call) {
    try {
      call.get(10, TimeUnit.SECONDS);
      return Status.OK;
    } catch (ExecutionException e) {
      return e.getCause() instanceof StatusException se ? se.status()
          : Status.UNKNOWN.withDescription(e.getCause().toString());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("call did not complete", e);
    }
  }

  /** Outcomes of many calls: answers per backend id, failures per status code. */
  static final class Tally {
    final Map<String, AtomicInteger> byBackend = new ConcurrentHashMap<>();
    final Map<Status.Code, AtomicInteger> failures = new ConcurrentHashMap<>();
    final Map<String, Status> sampleFailure = new ConcurrentHashMap<>();

    void record(String backend, Throwable error) {
      if (error == null) {
        byBackend.computeIfAbsent(backend, k -> new AtomicInteger()).incrementAndGet();
        return;
      }
      Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
      Status s = cause instanceof StatusException se ? se.status()
          : Status.UNKNOWN.withDescription(String.valueOf(cause));
      failures.computeIfAbsent(s.code(), k -> new AtomicInteger()).incrementAndGet();
      sampleFailure.putIfAbsent(s.code().name(), s);
    }

    int count(String backend) {
      AtomicInteger n = byBackend.get(backend);
      return n == null ? 0 : n.get();
    }

    int failed() {
      return failures.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    Map<String, Integer> snapshot() {
      Map<String, Integer> m = new TreeMap<>();
      byBackend.forEach((k, v) -> m.put(k, v.get()));
      return m;
    }

    @Override
    public String toString() {
      return "answers " + snapshot() + ", failures " + failures + " e.g. " + sampleFailure.values();
    }
  }

  /** Makes {@code n} calls, at most {@code concurrency} at a time, and waits for all. */
  static Tally run(CallFactory channel, int n, int concurrency) throws InterruptedException {
    return run(channel, n, concurrency, () -> CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)));
  }

  /** {@code options} per call: a timeout becomes a deadline when the options are made. */
  static Tally run(CallFactory channel, int n, int concurrency,
      java.util.function.Supplier<CallOptions> options) throws InterruptedException {
    Tally tally = new Tally();
    Semaphore slots = new Semaphore(concurrency);
    for (int i = 0; i < n; i++) {
      slots.acquire();
      ClientCalls.futureUnary(channel, Backend.WHO, options.get(), "who").whenComplete((r, e) -> {
        tally.record(r, e);
        slots.release();
      });
    }
    if (!slots.tryAcquire(concurrency, 30, TimeUnit.SECONDS)) {
      throw new AssertionError("calls did not finish: " + tally);
    }
    return tally;
  }

  /** Polls {@code condition} (see {@link io.conduit.testing.Await}) until it holds or {@code timeout} passes. */
  static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    await(what, timeout, condition, () -> "");
  }

  /** Like {@link #await(String, Duration, BooleanSupplier)}; {@code details} explain a timeout. */
  static void await(String what, Duration timeout, BooleanSupplier condition,
      java.util.function.Supplier<String> details) throws InterruptedException {
    io.conduit.testing.Await.until(what, timeout, condition, details);
  }

  /** Calls in a loop on a few threads until stopped, tallying every outcome. */
  static final class Load implements AutoCloseable {
    final Tally tally = new Tally();
    private final java.util.List<Thread> threads = new java.util.ArrayList<>();
    private volatile boolean stop;

    Load(CallFactory channel, int threads, java.util.function.Supplier<CallOptions> options) {
      this(channel, threads, options, "who");
    }

    /** {@code threads} callers sending {@code request} (see {@link Backend}: "sleep:N", ...). */
    Load(CallFactory channel, int threads, java.util.function.Supplier<CallOptions> options,
        String request) {
      for (int i = 0; i < threads; i++) {
        Thread t = new Thread(() -> {
          while (!stop) {
            try {
              tally.record(ClientCalls.blockingUnary(channel, Backend.WHO, options.get(), request), null);
            } catch (RuntimeException e) {
              tally.record(null, e);
            }
          }
        }, "load-" + i);
        t.setDaemon(true);
        t.start();
        this.threads.add(t);
      }
    }

    Load(CallFactory channel, int threads) {
      this(channel, threads, () -> CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)));
    }

    @Override
    public void close() {
      stop = true;
      for (Thread t : threads) {
        try {
          t.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
        if (t.isAlive()) {
          throw new AssertionError("load thread stuck: " + java.util.Arrays.toString(t.getStackTrace()));
        }
      }
    }
  }

  /** Backends on {@code hosts}, all on the same (free) port. */
  static java.util.List<Backend> samePort(String... hosts) {
    for (int attempt = 0; ; attempt++) {
      java.util.List<Backend> started = new java.util.ArrayList<>();
      try {
        Backend first = Backend.start("a", hosts[0], 0);
        started.add(first);
        for (int i = 1; i < hosts.length; i++) {
          started.add(Backend.start(String.valueOf((char) ('a' + i)), hosts[i], first.port()));
        }
        return started;
      } catch (RuntimeException e) {
        started.forEach(Backend::close);
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }
}
