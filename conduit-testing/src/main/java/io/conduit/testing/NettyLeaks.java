package io.conduit.testing;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Netty's buffer leak detector at {@code PARANOID}, with the leaks it reports kept for a test to
 * fail on. Installed once per JVM, when this class is first used.
 */
public final class NettyLeaks {
  private static final List<String> LEAKS = new ArrayList<>();

  static {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
  }

  private NettyLeaks() {}

  /** Tracks every buffer allocated from now on (PARANOID); idempotent. */
  public static void install() {
    // The static initializer did it.
  }

  /**
   * Collects garbage until the leak detector has seen the buffers that became unreachable, then
   * returns (and forgets) the leaks it reported: each with the places the buffer was touched.
   *
   * @return the leak reports, one per leaked buffer; empty when nothing leaked
   * @throws InterruptedException if the thread is interrupted while it waits for the garbage
   *     collector
   */
  public static List<String> collectAndDrain() throws InterruptedException {
    // Leaks are found when a tracked object is collected, and reported on the next allocation.
    for (int i = 0; i < 5; i++) {
      collect();
      for (int j = 0; j < 10; j++) {
        PooledByteBufAllocator.DEFAULT.buffer(1).release();
        PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        UnpooledByteBufAllocator.DEFAULT.buffer(1).release();
      }
    }
    return drain();
  }

  /** {@return the leaks reported so far, forgotten} */
  public static List<String> drain() {
    synchronized (LEAKS) {
      List<String> copy = new ArrayList<>(LEAKS);
      LEAKS.clear();
      return copy;
    }
  }

  /**
   * Collects garbage and waits until the collection's weak references are enqueued (a sentinel's
   * is), so that the leak detector finds the tracked buffers collected with it.
   */
  static void collect() throws InterruptedException {
    java.lang.ref.ReferenceQueue<Object> queue = new java.lang.ref.ReferenceQueue<>();
    java.lang.ref.WeakReference<Object> sentinel = new java.lang.ref.WeakReference<>(new Object(), queue);
    for (int i = 0; i < 10; i++) {
      System.gc();
      if (queue.remove(100) != null) {
        return;
      }
    }
    throw new AssertionError("no garbage collection enqueued " + sentinel);
  }

  private static final class RecordingFactory extends ResourceLeakDetectorFactory {
    // Netty still declares this one abstract; the two-argument form is the one it calls.
    @Override
    @Deprecated
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(
        Class<T> resource, int samplingInterval, long maxActive) {
      return newResourceLeakDetector(resource, samplingInterval);
    }

    @Override
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
      return new ResourceLeakDetector<>(resource, samplingInterval) {
        @Override
        protected void reportTracedLeak(String resourceType, String records) {
          record(resourceType + " leaked:" + records);
          super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
          record(resourceType + " leaked (no records)");
          super.reportUntracedLeak(resourceType);
        }
      };
    }
  }

  private static void record(String leak) {
    synchronized (LEAKS) {
      LEAKS.add(leak);
    }
  }
}
