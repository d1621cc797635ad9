package io.conduit.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer during it. Registered for every test
 * through {@code META-INF/services} (JUnit extension auto-detection, enabled in the root pom),
 * together with {@code -Dio.netty.leakDetection.level=PARANOID}; the recording is
 * {@link NettyLeaks}, which the test kit's extension uses too.
 */
public final class LeakDetectionExtension implements AfterAllCallback {
  static {
    NettyLeaks.install();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    List<String> found = NettyLeaks.collectAndDrain();
    if (!found.isEmpty()) {
      throw new AssertionError(found.size() + " Netty buffer leak(s) in "
          + context.getDisplayName() + ":\n" + String.join("\n\n", found));
    }
  }

  /** Keeps a reference type in the signature so tests can leak on purpose. */
  static ByteBuf allocate() {
    return PooledByteBufAllocator.DEFAULT.buffer(16);
  }
}
