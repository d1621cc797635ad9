package io.conduit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The configurators applied to every {@link Channel#builder} and {@link Server#builder}, in the
 * order they were registered, before the caller's own settings.
 *
 * <pre>{@code
 * Configurators.registerGlobal(ConduitOpenTelemetry.create(openTelemetry));
 * }</pre>
 */
public final class Configurators {
  private static final List<Configurator> GLOBAL = new CopyOnWriteArrayList<>();

  private Configurators() {}

  /** A registration; closing it stops applying the configurator to builders made afterwards. */
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Applies {@code configurator} to every builder made from now on.
   *
   * @param configurator the configurator to apply
   * @return the registration; closing it stops applying {@code configurator}
   */
  public static Registration registerGlobal(Configurator configurator) {
    java.util.Objects.requireNonNull(configurator, "configurator");
    GLOBAL.add(configurator);
    return () -> GLOBAL.remove(configurator);
  }

  /** Applies the global configurators to {@code builder}; returns them, to hear what it builds. */
  static List<Configurator> applyTo(Channel.Builder builder) {
    List<Configurator> applied = List.copyOf(GLOBAL);
    for (Configurator c : applied) {
      c.configure(builder);
    }
    return applied;
  }

  /** Applies the global configurators to {@code builder}; returns them, to hear what it builds. */
  static List<Configurator> applyTo(Server.Builder builder) {
    List<Configurator> applied = List.copyOf(GLOBAL);
    for (Configurator c : applied) {
      c.configure(builder);
    }
    return applied;
  }
}
