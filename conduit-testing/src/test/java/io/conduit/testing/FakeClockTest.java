package io.conduit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FakeClockTest {
  @Test
  void advanceRunsTheTimersThatComeDueInOrder() {
    FakeClock clock = new FakeClock();
    StringBuilder ran = new StringBuilder();
    ScheduledExecutorService direct = ImmediateEventExecutor.INSTANCE;
    clock.schedule(direct, () -> ran.append('b'), 2, TimeUnit.SECONDS);
    clock.schedule(direct, () -> ran.append('a'), 1, TimeUnit.SECONDS);
    clock.schedule(direct, () -> ran.append('c'), 3, TimeUnit.SECONDS);

    clock.advance(Duration.ofSeconds(2));

    assertThat(ran).hasToString("ab");
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(1));
  }

  /**
   * A timer whose task hands more work to its own executor (as a balancer's timer hands its work
   * to the channel's synchronization context): {@code advance} returns only after that work ran,
   * even when the executor runs nothing until {@code advance} is already waiting.
   */
  @Test
  void advanceWaitsForWhatATimersTaskQueuedOnItsExecutor() throws Exception {
    FakeClock clock = new FakeClock();
    AtomicBoolean followUpRan = new AtomicBoolean();
    Runnable followUp = () -> followUpRan.set(true);
    AtomicBoolean returned = new AtomicBoolean();
    Lockstep executor = new Lockstep(Thread.currentThread(), returned, followUp);
    clock.schedule(executor, () -> executor.execute(followUp), 1, TimeUnit.SECONDS);
    Thread driver = new Thread(executor::drive, "lockstep-driver");
    driver.start();

    clock.advance(Duration.ofSeconds(1));
    boolean sawFollowUp = followUpRan.get();
    returned.set(true);
    driver.join();

    assertThat(sawFollowUp).as("the follow-up had run when advance returned").isTrue();
  }

  /**
   * Runs its tasks in order on a driver thread, in lockstep with the thread that waits in
   * {@code advance}: a task starts only while that thread is parked, and after each task the
   * driver waits until the thread has woken and parked again (or returned). So the executor
   * never gets ahead of the caller, the order in which a loaded machine may run things.
   */
  private static final class Lockstep extends AbstractExecutorService
      implements ScheduledExecutorService {
    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Thread caller;
    private final AtomicBoolean returned;
    /** A task that completes nothing the caller waits for: the driver does not wait after it. */
    private final Runnable notWaitedFor;

    Lockstep(Thread caller, AtomicBoolean returned, Runnable notWaitedFor) {
      this.caller = caller;
      this.returned = returned;
      this.notWaitedFor = notWaitedFor;
    }

    void drive() {
      Object blocker = awaitParkedOnOtherThan(null);
      while (!returned.get() || !tasks.isEmpty()) {
        Runnable task = tasks.poll();
        if (task == null) {
          Thread.onSpinWait();
          continue;
        }
        task.run();
        if (task != notWaitedFor) {
          blocker = awaitParkedOnOtherThan(blocker);
        }
      }
    }

    /** Waits until the caller has returned or is parked on something other than {@code last}. */
    private Object awaitParkedOnOtherThan(Object last) {
      while (!returned.get()) {
        Object now = LockSupport.getBlocker(caller);
        if (now != null && now != last) {
          return now;
        }
        Thread.onSpinWait();
      }
      return null;
    }

    @Override
    public void execute(Runnable command) {
      tasks.add(command);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      throw new UnsupportedOperationException("the FakeClock schedules");
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      throw new UnsupportedOperationException("the FakeClock schedules");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay,
        long period, TimeUnit unit) {
      throw new UnsupportedOperationException("the FakeClock schedules");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay,
        long delay, TimeUnit unit) {
      throw new UnsupportedOperationException("the FakeClock schedules");
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return false;
    }
  }
}
