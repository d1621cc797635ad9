package io.conduit.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

class WriteQueueTest {
  /** An event loop that runs its tasks only when the test says so. */
  final Queue<Runnable> loop = new ArrayDeque<>();
  final List<String> log = new ArrayList<>();
  final WriteQueue queue = new WriteQueue(loop::add, () -> log.add("flush"));

  @Test
  void commandsWaitUntilOpenThenRunInOrderWithOneFlush() {
    queue.enqueue(() -> log.add("a"));
    queue.enqueue(() -> log.add("b"));
    assertThat(loop).isEmpty();
    queue.open();
    queue.enqueue(() -> log.add("c"));
    assertThat(loop).hasSize(1);
    loop.poll().run();
    assertThat(log).containsExactly("a", "b", "c", "flush");
  }

  @Test
  void runQueuedRunsWithoutFlushingSoTheReadsFlushTakesItAll() {
    queue.open();
    loop.poll().run();
    log.clear();
    queue.enqueue(() -> log.add("headers"));
    queue.enqueue(() -> log.add("message"));
    queue.enqueue(() -> log.add("trailers"));
    queue.runQueued();
    assertThat(log).containsExactly("headers", "message", "trailers");
    // The drain scheduled meanwhile finds nothing left but still flushes (a no-op write).
    loop.poll().run();
    assertThat(log).containsExactly("headers", "message", "trailers", "flush");
  }

  @Test
  void aClosedQueueKeepsItsCommands() {
    queue.enqueue(() -> log.add("early"));
    queue.runQueued();
    assertThat(log).isEmpty();
  }

  @Test
  void longBatchesFlushNowAndThen() {
    queue.open();
    loop.poll().run();
    log.clear();
    for (int i = 0; i < 1100; i++) {
      queue.enqueue(() -> log.add("w"));
    }
    queue.runQueued();
    assertThat(log.stream().filter("flush"::equals).count()).isEqualTo(2);
    assertThat(log.indexOf("flush")).isEqualTo(512);
  }
}
