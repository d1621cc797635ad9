package io.conduit.internal.netty;

import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Commands from application threads for one connection, run on its event loop in order, with
 * one flush per batch: many sends cost one wake-up and one system call.
 */
public final class WriteQueue {
  /**
   * Commands between flushes in a long batch. A unary call takes about four (request, headers,
   * message, trailers), so a read of 64 pipelined calls still leaves in one write.
   */
  private static final int FLUSH_EVERY = 512;
  /**
   * Slots per chunk of the command queue. Netty's default unbounded queue takes chunks of 1,024
   * (4 KiB of heap on every connection, idle or not, most of an idle connection's cost); small
   * chunks cost a connection about 150 bytes and allocate about as much per command.
   */
  private static final int QUEUE_CHUNK = 32;
  /** No bound in practice: Netty's largest chunked capacity. */
  private static final int QUEUE_CAPACITY = 1 << 30;

  private final Executor eventLoop;
  private final Runnable flusher;
  private final Queue<Runnable> commands = PlatformDependent.newMpscQueue(QUEUE_CHUNK, QUEUE_CAPACITY);
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Runnable drain = this::drain;
  private volatile boolean open;

  /** {@code flusher} runs on {@code eventLoop} after each batch. */
  public WriteQueue(Executor eventLoop, Runnable flusher) {
    this.eventLoop = eventLoop;
    this.flusher = flusher;
  }

  /** Lets queued commands run; until then they wait (e.g. for the connection to be ready). */
  public void open() {
    open = true;
    schedule();
  }

  public void enqueue(Runnable command) {
    commands.add(command);
    if (open) {
      schedule();
    }
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      eventLoop.execute(drain);
    }
  }

  /**
   * Runs the queued commands now, without flushing; event loop only. The connection calls it
   * just before the flush that ends a read, so responses that handlers wrote while the read was
   * processed leave in that same write instead of one of their own.
   */
  void runQueued() {
    if (open) {
      runCommands();
    }
  }

  private void drain() {
    try {
      runCommands();
      flusher.run();
    } finally {
      scheduled.set(false);
      if (!commands.isEmpty()) {
        schedule();
      }
    }
  }

  /** Runs every queued command, flushing now and then so a long batch holds no byte back long. */
  private void runCommands() {
    Runnable command;
    int n = 0;
    while ((command = commands.poll()) != null) {
      command.run();
      if (++n % FLUSH_EVERY == 0) {
        flusher.run();
      }
    }
  }
}
