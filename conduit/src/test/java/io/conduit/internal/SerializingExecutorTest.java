package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerializingExecutorTest {

  private final List<ExecutorService> pools = new ArrayList<>();

  @AfterEach
  void shutDownPools() throws InterruptedException {
    for (ExecutorService pool : pools) {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  private ExecutorService pool(int threads) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    pools.add(pool);
    return pool;
  }

  /** An executor that queues tasks until the test runs them. */
  private static final class ManualExecutor implements Executor {
    final Queue<Runnable> queue = new ArrayDeque<>();

    @Override
    public void execute(Runnable command) {
      queue.add(command);
    }

    void runAll() {
      Runnable r;
      while ((r = queue.poll()) != null) {
        r.run();
      }
    }
  }

  @Test
  void runsTasksInSubmissionOrderFromOneThread() throws InterruptedException {
    SerializingExecutor executor = new SerializingExecutor(pool(8));
    int n = 10_000;
    List<Integer> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    for (int i = 0; i < n; i++) {
      int value = i;
      executor.execute(() -> seen.add(value));
    }
    executor.execute(done::countDown);
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(seen.get(i)).isEqualTo(i);
    }
  }

  @Test
  void neverRunsTwoTasksAtOnceAndKeepsEachSubmittersOrder() throws Exception {
    SerializingExecutor executor = new SerializingExecutor(pool(8));
    int submitters = 16;
    int perSubmitter = 2_000;
    AtomicInteger inside = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    AtomicInteger ran = new AtomicInteger();
    // Not thread-safe on purpose: the executor must provide the happens-before between tasks.
    int[] lastSeen = new int[submitters];
    Arrays.fill(lastSeen, -1);
    AtomicBoolean outOfOrder = new AtomicBoolean();
    CountDownLatch allDone = new CountDownLatch(submitters * perSubmitter);
    CountDownLatch start = new CountDownLatch(1);

    ExecutorService submitPool = pool(submitters);
    for (int s = 0; s < submitters; s++) {
      int submitter = s;
      submitPool.execute(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perSubmitter; i++) {
          int seq = i;
          executor.execute(() -> {
            if (inside.incrementAndGet() != 1) {
              overlapped.set(true);
            }
            if (lastSeen[submitter] != seq - 1) {
              outOfOrder.set(true);
            }
            lastSeen[submitter] = seq;
            ran.incrementAndGet();
            inside.decrementAndGet();
            allDone.countDown();
          });
        }
      });
    }
    start.countDown();
    assertThat(allDone.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(overlapped).isFalse();
    assertThat(outOfOrder).isFalse();
    assertThat(ran).hasValue(submitters * perSubmitter);
    for (int last : lastSeen) {
      assertThat(last).isEqualTo(perSubmitter - 1);
    }
  }

  @Test
  void aTaskSubmittedFromATaskRunsAfterItAndAfterThoseAlreadyQueued() throws InterruptedException {
    ManualExecutor manual = new ManualExecutor();
    SerializingExecutor executor = new SerializingExecutor(manual);
    List<String> order = new ArrayList<>();
    executor.execute(() -> {
      order.add("a");
      executor.execute(() -> order.add("c"));
      order.add("a-end");
    });
    executor.execute(() -> order.add("b"));
    // One drain task was handed to the delegate; it runs everything, nested ones included.
    assertThat(manual.queue).hasSize(1);
    manual.runAll();
    assertThat(order).containsExactly("a", "a-end", "b", "c");
  }

  @Test
  void handsTheDelegateOneDrainTaskWhileBusy() {
    ManualExecutor manual = new ManualExecutor();
    SerializingExecutor executor = new SerializingExecutor(manual);
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 10; i++) {
      executor.execute(ran::incrementAndGet);
    }
    assertThat(manual.queue).hasSize(1);
    manual.runAll();
    assertThat(ran).hasValue(10);
    executor.execute(ran::incrementAndGet);
    assertThat(manual.queue).hasSize(1);
    manual.runAll();
    assertThat(ran).hasValue(11);
  }

  @Test
  void aThrowingTaskDoesNotStopLaterOnes() throws InterruptedException {
    SerializingExecutor executor = new SerializingExecutor(pool(2));
    List<Integer> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    executor.execute(() -> seen.add(1));
    executor.execute(() -> {
      throw new IllegalStateException("callback failed (expected by the test)");
    });
    executor.execute(() -> seen.add(2));
    executor.execute(() -> {
      throw new UnsupportedOperationException("again (expected by the test)");
    });
    executor.execute(() -> seen.add(3));
    executor.execute(done::countDown);
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).containsExactly(1, 2, 3);
  }

  @Test
  void aThrowingTaskDoesNotStopLaterOnesOnAManualExecutor() {
    ManualExecutor manual = new ManualExecutor();
    SerializingExecutor executor = new SerializingExecutor(manual);
    List<Integer> seen = new ArrayList<>();
    executor.execute(() -> {
      throw new RuntimeException("expected by the test");
    });
    executor.execute(() -> seen.add(1));
    manual.runAll();
    assertThat(seen).containsExactly(1);
    executor.execute(() -> seen.add(2));
    manual.runAll();
    assertThat(seen).containsExactly(1, 2);
  }

  /**
   * An Error (an AssertionError in a callback, say) escapes the drain loop; the tasks queued
   * behind it must still run without waiting for another submission.
   */
  @Test
  void tasksQueuedBehindATaskThatThrowsAnErrorStillRun() throws InterruptedException {
    SerializingExecutor executor = new SerializingExecutor(pool(2));
    CountDownLatch blocker = new CountDownLatch(1);
    CountDownLatch later = new CountDownLatch(1);
    executor.execute(() -> {
      try {
        blocker.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new AssertionError("error from a callback (expected by the test)");
    });
    executor.execute(later::countDown);
    blocker.countDown();
    assertThat(later.await(2, TimeUnit.SECONDS)).as("task queued behind the Error ran").isTrue();
  }

  /**
   * A delegate may fail with something other than RejectedExecutionException (a thread pool that
   * cannot start a thread throws OutOfMemoryError). The executor must not stay marked as running,
   * or no task submitted later ever runs.
   */
  @Test
  void aDelegateFailureDoesNotWedgeTheExecutor() {
    AtomicBoolean broken = new AtomicBoolean(true);
    ManualExecutor manual = new ManualExecutor();
    Executor delegate = command -> {
      if (broken.get()) {
        throw new IllegalStateException("cannot start a thread (expected by the test)");
      }
      manual.execute(command);
    };
    SerializingExecutor executor = new SerializingExecutor(delegate);
    List<Integer> seen = new ArrayList<>();
    try {
      executor.execute(() -> seen.add(1));
    } catch (IllegalStateException expected) {
      // the failure may reach the caller
    }
    broken.set(false);
    executor.execute(() -> seen.add(2));
    manual.runAll();
    assertThat(seen).as("tasks run once the delegate works again").contains(2);
  }

  @Test
  void runsTasksInlineWhenTheDelegateRejects() {
    ExecutorService dead = Executors.newSingleThreadExecutor();
    dead.shutdown();
    SerializingExecutor executor = new SerializingExecutor(dead);
    List<String> seen = new ArrayList<>();
    Thread caller = Thread.currentThread();
    executor.execute(() -> seen.add(Thread.currentThread() == caller ? "inline-1" : "elsewhere"));
    executor.execute(() -> seen.add(Thread.currentThread() == caller ? "inline-2" : "elsewhere"));
    assertThat(seen).containsExactly("inline-1", "inline-2");
  }

  @Test
  void keepsWorkingAfterARejection() {
    AtomicBoolean reject = new AtomicBoolean(true);
    ManualExecutor manual = new ManualExecutor();
    Executor flaky = command -> {
      if (reject.get()) {
        throw new RejectedExecutionException("full");
      }
      manual.execute(command);
    };
    SerializingExecutor executor = new SerializingExecutor(flaky);
    List<Integer> seen = new ArrayList<>();
    executor.execute(() -> seen.add(1));
    assertThat(seen).containsExactly(1);
    reject.set(false);
    executor.execute(() -> seen.add(2));
    assertThat(seen).containsExactly(1);
    manual.runAll();
    assertThat(seen).containsExactly(1, 2);
  }

  /** The count a server's admission control reads: one while handed over and not yet running. */
  @Test
  void countsItselfWaitingFromHandOverUntilItsRunBegins() {
    AtomicInteger waiting = new AtomicInteger();
    ManualExecutor manual = new ManualExecutor();
    SerializingExecutor executor = new SerializingExecutor(manual, waiting);
    AtomicInteger seenWhileRunning = new AtomicInteger(-1);
    executor.execute(() -> seenWhileRunning.set(waiting.get()));
    executor.execute(() -> { });
    assertThat(waiting).as("one hand-over for both tasks").hasValue(1);
    manual.runAll();
    assertThat(seenWhileRunning).hasValue(0);
    assertThat(waiting).hasValue(0);

    ExecutorService dead = Executors.newSingleThreadExecutor();
    dead.shutdown();
    SerializingExecutor rejected = new SerializingExecutor(dead, waiting);
    rejected.execute(() -> { });
    assertThat(waiting).as("a rejected hand-over runs inline and is not left counted").hasValue(0);
  }

  /** Code confined to a synchronization context says so with assertCurrent; tests run with -ea. */
  @Test
  void assertCurrentHoldsInsideTasksOnlyAndFailsElsewhere() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      SerializingExecutor context = new SerializingExecutor(pool);
      java.util.concurrent.CompletableFuture<Throwable> inside = new java.util.concurrent.CompletableFuture<>();
      context.execute(() -> {
        try {
          context.assertCurrent();
          inside.complete(null);
        } catch (Throwable t) {
          inside.complete(t);
        }
      });
      assertThat(inside.get(10, TimeUnit.SECONDS)).isNull();
      org.assertj.core.api.Assertions.assertThatThrownBy(context::assertCurrent)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("must run on");
    } finally {
      pool.shutdownNow();
    }
  }
}
