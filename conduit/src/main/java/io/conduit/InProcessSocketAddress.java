package io.conduit;

import java.net.SocketAddress;

/**
 * The address of an in-process server: the name it was built with
 * ({@code Server.builder().inProcess(name)}). Channels reach it as {@code inprocess:name}, and a
 * custom {@link io.conduit.resolver.NameResolver} may return it among its addresses.
 */
public final class InProcessSocketAddress extends SocketAddress {
  private static final long serialVersionUID = 1L;

  /** The in-process server's name. */
  private final String name;

  /**
   * The address of the in-process server called {@code name}.
   *
   * @param name the server's name, as given to {@code Server.Builder.inProcess}
   */
  public InProcessSocketAddress(String name) {
    this.name = java.util.Objects.requireNonNull(name, "name");
  }

  /** {@return the in-process server's name} */
  public String name() {
    return name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InProcessSocketAddress other && other.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return "inprocess:" + name;
  }
}
