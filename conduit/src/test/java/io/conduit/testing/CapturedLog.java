package io.conduit.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What a class logs while a test runs: Conduit logs through {@code System.Logger}, which the JDK
 * routes to {@code java.util.logging} under the class's name.
 *
 * <pre>{@code
 * try (CapturedLog log = CapturedLog.of(ChannelImpl.class)) {
 *   ...
 *   assertThat(log.messages(Level.WARNING)).anyMatch(m -> m.contains("invalid"));
 * }
 * }</pre>
 */
public final class CapturedLog extends Handler implements AutoCloseable {
  private final Logger logger;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  private CapturedLog(Logger logger) {
    this.logger = logger;
  }

  /** Starts capturing what {@code type}'s logger logs. */
  public static CapturedLog of(Class<?> type) {
    CapturedLog log = new CapturedLog(Logger.getLogger(type.getName()));
    log.logger.addHandler(log);
    return log;
  }

  /** The messages logged at {@code atLeast} or above, oldest first. */
  public List<String> messages(Level atLeast) {
    return records.stream().filter(r -> r.getLevel().intValue() >= atLeast.intValue())
        .map(LogRecord::getMessage).toList();
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
