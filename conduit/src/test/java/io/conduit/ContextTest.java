package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ContextTest {

  private static final Context.Key<String> NAME = Context.Key.of("name");
  private static final Context.Key<Integer> COUNT = Context.Key.of("count");

  private static final class FakeTicker implements Deadline.Ticker {
    long now;

    @Override
    public long nanoTime() {
      return now;
    }
  }

  @AfterEach
  void nothingLeftAttached() {
    assertThat(Context.current()).isSameAs(Context.ROOT);
  }

  // --- attach / detach / current ----------------------------------------------------------------

  @Test
  void rootIsCurrentWhenNothingIsAttached() {
    assertThat(Context.current()).isSameAs(Context.ROOT);
    assertThat(Context.ROOT.isCancelled()).isFalse();
    assertThat(Context.ROOT.cancellationCause()).isNull();
    assertThat(Context.ROOT.deadline()).isNull();
    assertThat(Context.ROOT.get(NAME)).isNull();
  }

  @Test
  void attachMakesCurrentAndDetachRestores() {
    Context a = Context.ROOT.withValue(NAME, "a");
    Context b = a.withValue(NAME, "b");

    Context prevA = a.attach();
    assertThat(prevA).isSameAs(Context.ROOT);
    assertThat(Context.current()).isSameAs(a);

    Context prevB = b.attach();
    assertThat(prevB).isSameAs(a);
    assertThat(Context.current()).isSameAs(b);
    assertThat(NAME.get()).isEqualTo("b");

    b.detach(prevB);
    assertThat(Context.current()).isSameAs(a);
    assertThat(NAME.get()).isEqualTo("a");

    a.detach(prevA);
    assertThat(Context.current()).isSameAs(Context.ROOT);
    assertThat(NAME.get()).isNull();
  }

  @Test
  void runAndCallAttachForTheirDurationOnly() throws Exception {
    Context ctx = Context.ROOT.withValue(NAME, "in");
    AtomicReference<Context> seen = new AtomicReference<>();
    ctx.run(() -> seen.set(Context.current()));
    assertThat(seen.get()).isSameAs(ctx);
    assertThat(Context.current()).isSameAs(Context.ROOT);

    assertThat(ctx.call(NAME::get)).isEqualTo("in");
    assertThat(Context.current()).isSameAs(Context.ROOT);
  }

  @Test
  void runRestoresThePreviousContextWhenTheTaskThrows() {
    Context outer = Context.ROOT.withValue(NAME, "outer");
    Context inner = outer.withValue(NAME, "inner");
    outer.run(() -> {
      try {
        inner.run(() -> {
          throw new IllegalStateException("boom");
        });
      } catch (IllegalStateException expected) {
        // fall through
      }
      assertThat(Context.current()).isSameAs(outer);
    });
  }

  // --- values -----------------------------------------------------------------------------------

  @Test
  void valuesAreInheritedAndShadowedWithoutChangingTheParent() {
    Context parent = Context.ROOT.withValue(NAME, "p").withValue(COUNT, 1);
    Context child = parent.withValue(NAME, "c");
    assertThat(child.get(NAME)).isEqualTo("c");
    assertThat(child.get(COUNT)).isEqualTo(1);
    assertThat(parent.get(NAME)).isEqualTo("p");
    assertThat(Context.ROOT.get(NAME)).isNull();
  }

  @Test
  void keysWithTheSameNameAreDistinct() {
    Context.Key<String> other = Context.Key.of("name");
    Context ctx = Context.ROOT.withValue(NAME, "mine");
    assertThat(ctx.get(other)).isNull();
    assertThat(other.toString()).isEqualTo("name");
  }

  @Test
  void cancellableAndDeadlineContextsKeepTheValues() {
    Context withValue = Context.ROOT.withValue(NAME, "v");
    Context.CancellableContext c = withValue.withCancellation();
    Context.CancellableContext d = withValue.withDeadline(Deadline.after(Duration.ofHours(1)));
    assertThat(c.get(NAME)).isEqualTo("v");
    assertThat(d.get(NAME)).isEqualTo("v");
    c.close();
    d.close();
  }

  // --- cancellation -----------------------------------------------------------------------------

  @Test
  void cancelRunsListenersOnceAndRecordsTheCause() {
    Context.CancellableContext ctx = Context.ROOT.withCancellation();
    AtomicInteger runs = new AtomicInteger();
    ctx.addListener(runs::incrementAndGet);
    assertThat(ctx.isCancelled()).isFalse();

    RuntimeException cause = new RuntimeException("stop");
    assertThat(ctx.cancel(cause)).isTrue();
    assertThat(ctx.isCancelled()).isTrue();
    assertThat(ctx.cancellationCause()).isSameAs(cause);
    assertThat(runs).hasValue(1);

    assertThat(ctx.cancel(new RuntimeException("again"))).isFalse();
    ctx.close();
    assertThat(runs).hasValue(1);
    assertThat(ctx.cancellationCause()).isSameAs(cause);
  }

  @Test
  void closeCancelsWithoutCause() {
    Context.CancellableContext ctx = Context.ROOT.withCancellation();
    ctx.close();
    assertThat(ctx.isCancelled()).isTrue();
    assertThat(ctx.cancellationCause()).isNull();
  }

  @Test
  void listenersRunInRegistrationOrder() {
    Context.CancellableContext ctx = Context.ROOT.withCancellation();
    List<Integer> order = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      ctx.addListener(() -> order.add(n));
    }
    ctx.close();
    assertThat(order).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void listenerAddedAfterCancelRunsAtOnce() {
    Context.CancellableContext ctx = Context.ROOT.withCancellation();
    ctx.cancel(null);
    AtomicInteger runs = new AtomicInteger();
    ctx.addListener(runs::incrementAndGet);
    assertThat(runs).hasValue(1);
    // And on a descendant of a cancelled context too.
    ctx.withValue(NAME, "x").addListener(runs::incrementAndGet);
    assertThat(runs).hasValue(2);
  }

  @Test
  void removedListenerDoesNotRun() {
    Context.CancellableContext ctx = Context.ROOT.withCancellation();
    AtomicInteger runs = new AtomicInteger();
    Runnable listener = runs::incrementAndGet;
    ctx.addListener(listener);
    ctx.removeListener(listener);
    ctx.close();
    assertThat(runs).hasValue(0);
  }

  @Test
  void cancellingAParentCancelsEveryDescendantAndRunsTheirListenersOnce() {
    Context.CancellableContext parent = Context.ROOT.withCancellation();
    Context valueChild = parent.withValue(NAME, "v");
    Context.CancellableContext child = valueChild.withCancellation();
    Context.CancellableContext grandchild = child.withCancellation();
    AtomicInteger parentRuns = new AtomicInteger();
    AtomicInteger childRuns = new AtomicInteger();
    AtomicInteger grandchildRuns = new AtomicInteger();
    AtomicInteger valueChildRuns = new AtomicInteger();
    parent.addListener(parentRuns::incrementAndGet);
    child.addListener(childRuns::incrementAndGet);
    grandchild.addListener(grandchildRuns::incrementAndGet);
    valueChild.addListener(valueChildRuns::incrementAndGet);

    RuntimeException cause = new RuntimeException("parent gone");
    parent.cancel(cause);

    assertThat(valueChild.isCancelled()).isTrue();
    assertThat(child.isCancelled()).isTrue();
    assertThat(grandchild.isCancelled()).isTrue();
    assertThat(child.cancellationCause()).isSameAs(cause);
    assertThat(grandchild.cancellationCause()).isSameAs(cause);
    assertThat(valueChild.cancellationCause()).isSameAs(cause);
    assertThat(parentRuns).hasValue(1);
    assertThat(childRuns).hasValue(1);
    assertThat(grandchildRuns).hasValue(1);
    assertThat(valueChildRuns).hasValue(1);

    // Cancelling again at any level changes nothing.
    assertThat(parent.cancel(null)).isFalse();
    assertThat(child.cancel(null)).isFalse();
    assertThat(childRuns).hasValue(1);
    assertThat(grandchildRuns).hasValue(1);
  }

  @Test
  void cancellingAChildLeavesTheParentAlone() {
    Context.CancellableContext parent = Context.ROOT.withCancellation();
    Context.CancellableContext child = parent.withCancellation();
    Context.CancellableContext sibling = parent.withCancellation();
    AtomicInteger parentRuns = new AtomicInteger();
    parent.addListener(parentRuns::incrementAndGet);

    child.cancel(new RuntimeException());
    assertThat(child.isCancelled()).isTrue();
    assertThat(parent.isCancelled()).isFalse();
    assertThat(sibling.isCancelled()).isFalse();
    assertThat(parentRuns).hasValue(0);

    parent.close();
    assertThat(sibling.isCancelled()).isTrue();
    assertThat(parentRuns).hasValue(1);
  }

  @Test
  void aChildCreatedFromACancelledParentIsCancelledAtOnce() {
    Context.CancellableContext parent = Context.ROOT.withCancellation();
    RuntimeException cause = new RuntimeException("early");
    parent.cancel(cause);
    Context.CancellableContext child = parent.withCancellation();
    assertThat(child.isCancelled()).isTrue();
    assertThat(child.cancellationCause()).isSameAs(cause);
  }

  @Test
  void aCancelledChildNoLongerListensToItsParent() {
    Context.CancellableContext parent = Context.ROOT.withCancellation();
    Context.CancellableContext child = parent.withCancellation();
    AtomicInteger childRuns = new AtomicInteger();
    child.addListener(childRuns::incrementAndGet);
    RuntimeException childCause = new RuntimeException("child");
    child.cancel(childCause);
    parent.cancel(new RuntimeException("parent"));
    assertThat(childRuns).hasValue(1);
    assertThat(child.cancellationCause()).isSameAs(childCause);
  }

  @Test
  void concurrentCancelsRunListenersExactlyOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 200; round++) {
        Context.CancellableContext ctx = Context.ROOT.withCancellation();
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger winners = new AtomicInteger();
        ctx.addListener(runs::incrementAndGet);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 8; t++) {
          futures.add(pool.submit(() -> {
            start.await();
            if (ctx.cancel(null)) {
              winners.incrementAndGet();
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : futures) {
          f.get(10, TimeUnit.SECONDS);
        }
        assertThat(runs).hasValue(1);
        assertThat(winners).hasValue(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // --- deadlines --------------------------------------------------------------------------------

  @Test
  void withDeadlineTakesTheEarlierDeadline() {
    FakeTicker ticker = new FakeTicker();
    Deadline soon = Deadline.after(1, TimeUnit.SECONDS, ticker);
    Deadline later = Deadline.after(10, TimeUnit.SECONDS, ticker);

    Context.CancellableContext a = Context.ROOT.withDeadline(later);
    assertThat(a.deadline()).isSameAs(later);

    Context.CancellableContext tighter = a.withDeadline(soon);
    assertThat(tighter.deadline()).isSameAs(soon);

    Context.CancellableContext looser = tighter.withDeadline(later);
    assertThat(looser.deadline()).isSameAs(soon);

    // Plain children and cancellable children inherit the deadline.
    assertThat(tighter.withValue(NAME, "x").deadline()).isSameAs(soon);
    assertThat(tighter.withCancellation().deadline()).isSameAs(soon);
    assertThat(Context.ROOT.withCancellation().deadline()).isNull();
    a.close();
  }

  @Test
  void aDeadlineContextIsCancelledWithItsParent() {
    Context.CancellableContext parent = Context.ROOT.withCancellation();
    Context.CancellableContext child = parent.withDeadline(Deadline.after(Duration.ofHours(1)));
    parent.close();
    assertThat(child.isCancelled()).isTrue();
  }

  // --- other threads ----------------------------------------------------------------------------

  @Test
  void aNewThreadStartsInTheRootContext() throws Exception {
    Context ctx = Context.ROOT.withValue(NAME, "here");
    AtomicReference<Context> seen = new AtomicReference<>();
    ctx.run(() -> {
      Thread t = new Thread(() -> seen.set(Context.current()));
      t.start();
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(seen.get()).isSameAs(Context.ROOT);
  }

  @Test
  void wrapCarriesTheContextToAnotherThreadAndDetachesAfterwards() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Context.CancellableContext ctx = Context.ROOT.withValue(NAME, "carried")
          .withDeadline(Deadline.after(Duration.ofMinutes(1)));
      AtomicReference<Context> seen = new AtomicReference<>();
      AtomicReference<String> value = new AtomicReference<>();
      pool.submit(ctx.wrap(() -> {
        seen.set(Context.current());
        value.set(NAME.get());
      })).get(10, TimeUnit.SECONDS);
      assertThat(seen.get()).isSameAs(ctx);
      assertThat(value.get()).isEqualTo("carried");

      // The pool thread is back in the root context afterwards.
      assertThat(pool.submit(Context::current).get(10, TimeUnit.SECONDS)).isSameAs(Context.ROOT);

      // Cancellation is visible from the other thread.
      ctx.cancel(new RuntimeException("stop"));
      assertThat(pool.submit(ctx::isCancelled).get(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void executorRunsEveryTaskInTheContext() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Context ctx = Context.ROOT.withValue(COUNT, 7);
      var executor = ctx.executor(pool);
      int tasks = 50;
      CountDownLatch done = new CountDownLatch(tasks);
      AtomicInteger matched = new AtomicInteger();
      for (int i = 0; i < tasks; i++) {
        executor.execute(() -> {
          if (Context.current() == ctx && Integer.valueOf(7).equals(COUNT.get())) {
            matched.incrementAndGet();
          }
          done.countDown();
        });
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(matched).hasValue(tasks);
      // Tasks submitted straight to the pool see the root context.
      assertThat(pool.submit(Context::current).get(10, TimeUnit.SECONDS)).isSameAs(Context.ROOT);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void wrapCapturesTheContextItWasCalledOnNotTheCurrentOne() {
    Context a = Context.ROOT.withValue(NAME, "a");
    Context b = Context.ROOT.withValue(NAME, "b");
    Runnable wrapped = a.wrap(() -> assertThat(NAME.get()).isEqualTo("a"));
    b.run(() -> {
      wrapped.run();
      assertThat(NAME.get()).isEqualTo("b");
    });
  }
}
