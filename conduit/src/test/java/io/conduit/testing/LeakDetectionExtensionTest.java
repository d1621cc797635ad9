package io.conduit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class LeakDetectionExtensionTest {

  @Test
  void recordsALeakedBuffer() throws Exception {
    leakOne();
    for (int i = 0; i < 20 && NettyLeaks.drain().isEmpty(); i++) {
      NettyLeaks.collect();
      for (int j = 0; j < 10; j++) {
        PooledByteBufAllocator.DEFAULT.buffer(1).release();
      }
      if (i == 19) {
        throw new AssertionError("the leaked buffer was never reported");
      }
    }
    assertThat(NettyLeaks.drain()).isEmpty();
  }

  private static void leakOne() {
    LeakDetectionExtension.allocate().writeInt(42);
  }
}
