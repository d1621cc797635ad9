package io.conduit.internal.netty;

import io.netty.util.internal.PlatformDependent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
  private static final VarHandle COMMANDS;

  static {
    try {
      COMMANDS = MethodHandles.lookup().findVarHandle(WriteQueue.class, "commands", Queue.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Made by the first command: with jctools' padding against false sharing the queue and its
   * first chunk take about 730 bytes, the largest single part of what an idle connection costs,
   * and a server's idle connections (or a client's unused ones) never need it.
   */
  private volatile Queue<Runnable> commands;
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
    Queue<Runnable> queue = commands;
    (queue != null ? queue : newQueue()).add(command);
    if (open) {
      schedule();
    }
  }

  /** The queue, made now unless another thread just made it. */
  private Queue<Runnable> newQueue() {
    Queue<Runnable> made = PlatformDependent.newMpscQueue(QUEUE_CHUNK, QUEUE_CAPACITY);
    return COMMANDS.compareAndSet(this, null, made) ? made : commands;
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
      Queue<Runnable> queue = commands;
      if (queue != null && !queue.isEmpty()) {
        schedule();
      }
    }
  }

  /** Runs every queued command, flushing now and then so a long batch holds no byte back long. */
  private void runCommands() {
    Queue<Runnable> queue = commands;
    if (queue == null) {
      return;
    }
    Runnable command;
    int n = 0;
    while ((command = queue.poll()) != null) {
      command.run();
      if (++n % FLUSH_EVERY == 0) {
        flusher.run();
      }
    }
  }
}
