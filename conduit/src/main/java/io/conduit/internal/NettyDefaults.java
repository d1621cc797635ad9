package io.conduit.internal;

/**
 * Netty settings Conduit changes from Netty's defaults, each only when the user has not set it.
 * Applied by the public entry points ({@code Channel}, {@code Server}) before any Netty class
 * initializes, since Netty reads its system properties once.
 */
public final class NettyDefaults {
  private NettyDefaults() {}

  static {
    // Netty 4.2 registers JDK Flight Recorder events for its buffer allocator, which starts JFR's
    // machinery in every JVM: about 300 ms more to the first call, for events few ever record.
    // -Dio.netty.jfr.enabled=true brings them back.
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
  }

  /** Makes sure the defaults are in place (the work happens once, in class initialization). */
  public static void apply() {}
}
