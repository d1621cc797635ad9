package io.conduit.interop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's name, for {@code SimpleResponse.hostname}. */
final class Hostname {
  private static final String NAME = lookUp();

  private Hostname() {}

  static String get() {
    return NAME;
  }

  private static String lookUp() {
    // The kernel's name first: InetAddress.getLocalHost() may wait on DNS.
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException | RuntimeException notLinux) {
      // fall back to the JDK
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
