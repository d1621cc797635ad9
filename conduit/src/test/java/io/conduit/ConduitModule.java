package io.conduit;

import java.io.File;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Where the compiled {@code io.conduit} module and the modules it requires are, for the tests
 * that compile, run or analyse code against it on the module path.
 */
final class ConduitModule {
  private ConduitModule() {}

  /** This module's classes: an exploded module ({@code target/classes}). */
  static Path classes() {
    try {
      return Path.of(Server.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  /** The jars of Netty and protobuf on the test class path (which also holds the test libraries). */
  static List<Path> dependencies() {
    List<Path> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      if (entry.endsWith(".jar") && isRuntimeDependency(jar)) {
        jars.add(jar);
      }
    }
    return jars;
  }

  /** {@link #classes()} and {@link #dependencies()}, as a {@code --module-path} value. */
  static String modulePath() {
    List<Path> all = new ArrayList<>(List.of(classes()));
    all.addAll(dependencies());
    return join(all);
  }

  static String join(List<Path> paths) {
    return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
  }

  private static boolean isRuntimeDependency(Path jar) {
    try {
      return ModuleFinder.of(jar).findAll().stream()
          .map(ModuleReference::descriptor)
          .map(ModuleDescriptor::name)
          .anyMatch(name -> name.startsWith("io.netty.") || name.equals("com.google.protobuf"));
    } catch (FindException e) {
      return false; // not usable as a module at all
    }
  }
}
