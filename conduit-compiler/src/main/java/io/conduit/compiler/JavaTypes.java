package io.conduit.compiler;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.GeneratorNames;
import io.conduit.compiler.TypeNames.Ref;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Java classes protoc's Java generator makes for messages: their package, outer class and
 * nesting, following {@code java_package}, {@code java_multiple_files},
 * {@code java_outer_classname} and the editions features, as protobuf-java's
 * {@link GeneratorNames} computes them.
 */
final class JavaTypes {
  private JavaTypes() {}

  /** The Java package of {@code file}'s generated classes. */
  static String javaPackage(FileDescriptor file) {
    return GeneratorNames.getFileJavaPackage(file);
  }

  /** The Java class of a message. */
  static Ref ref(Descriptor message) {
    String pkg = javaPackage(message.getFile());
    String qualified = GeneratorNames.getQualifiedClassName(message);
    String rest = pkg.isEmpty() ? qualified : qualified.substring(pkg.length() + 1);
    int dot = rest.indexOf('.');
    return dot < 0
        ? Ref.of(pkg, rest)
        : new Ref(pkg, rest.substring(0, dot), rest.substring(dot));
  }

  /** Whether using the message's class draws a deprecation warning. */
  static boolean isDeprecated(Descriptor message) {
    for (Descriptor d = message; d != null; d = d.getContainingType()) {
      if (d.getOptions().getDeprecated()) {
        return true;
      }
    }
    return message.getFile().getOptions().getDeprecated();
  }

  /** The top-level classes protoc's Java generator makes for {@code file}. */
  static Set<String> topLevelClasses(FileDescriptor file) {
    Set<String> names = new TreeSet<>();
    names.add(GeneratorNames.getFileClassName(file));
    for (Descriptor m : file.getMessageTypes()) {
      names.add(ref(m).topLevel());
    }
    for (var e : file.getEnumTypes()) {
      String pkg = javaPackage(file);
      String q = GeneratorNames.getQualifiedClassName(e);
      String rest = pkg.isEmpty() ? q : q.substring(pkg.length() + 1);
      int dot = rest.indexOf('.');
      names.add(dot < 0 ? rest : rest.substring(0, dot));
    }
    if (file.getOptions().getJavaGenericServices() && file.getOptions().getJavaMultipleFiles()) {
      for (var s : file.getServices()) {
        names.add(s.getName());
      }
    }
    return names;
  }
}
