package io.conduit.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer during it. Registered for every test
 * through {@code META-INF/services} (JUnit extension auto-detection, enabled in the root pom),
 * together with {@code -Dio.netty.leakDetection.level=PARANOID}.
 */
public final class LeakDetectionExtension implements AfterAllCallback {
  private static final List<String> LEAKS = new ArrayList<>();

  static {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    // Leaks are found when a tracked object is collected, and reported on the next allocation.
    for (int i = 0; i < 5; i++) {
      collect();
      for (int j = 0; j < 10; j++) {
        PooledByteBufAllocator.DEFAULT.buffer(1).release();
        PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        UnpooledByteBufAllocator.DEFAULT.buffer(1).release();
      }
    }
    List<String> found;
    synchronized (LEAKS) {
      found = new ArrayList<>(LEAKS);
      LEAKS.clear();
    }
    if (!found.isEmpty()) {
      throw new AssertionError(found.size() + " Netty buffer leak(s) in "
          + context.getDisplayName() + ":\n" + String.join("\n\n", found));
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

  /** For this extension's own test: the leaks recorded so far, cleared. */
  static List<String> drainLeaks() {
    synchronized (LEAKS) {
      List<String> copy = new ArrayList<>(LEAKS);
      LEAKS.clear();
      return copy;
    }
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

  /** Keeps a reference type in the signature so tests can leak on purpose. */
  static ByteBuf allocate() {
    return PooledByteBufAllocator.DEFAULT.buffer(16);
  }
}
