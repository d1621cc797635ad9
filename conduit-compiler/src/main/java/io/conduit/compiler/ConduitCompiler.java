package io.conduit.compiler;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.Edition;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.JavaFeaturesProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse.Feature;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The protoc plugin: reads a {@code CodeGeneratorRequest} from stdin and writes a
 * {@code CodeGeneratorResponse} with one Java class per service ({@code GreeterRpc} for service
 * {@code Greeter}) to stdout, in the Java package of the service's .proto file.
 *
 * <p>Names: a method's Java name is its proto name in lower camel case ({@code get_foo} and
 * {@code GetFoo} both become {@code getFoo}), its descriptor constant the same in upper snake
 * case ({@code GET_FOO}). A name that is a Java keyword or a member the generated classes already
 * have ({@code definition}, {@code withDeadline}, {@code toString}...) gets a trailing {@code _};
 * of several methods with the same Java name, the first keeps it and the next get {@code _2},
 * {@code _3}... The class name gets a trailing {@code _} if protoc's Java generator makes a class
 * of that name in the same package.
 */
public final class ConduitCompiler {
  private ConduitCompiler() {}

  public static void main(String[] args) throws IOException {
    if (args.length > 0) {
      System.err.println("conduit-compiler is a protoc plugin: it reads a CodeGeneratorRequest "
          + "on stdin and takes no arguments. Use it with protoc --plugin=protoc-gen-conduit=... "
          + "--conduit_out=DIR, or from the protobuf-maven-plugin as a jvmMavenPlugin.");
      System.exit(2);
      return;
    }
    CodeGeneratorRequest request = parseRequest(System.in.readAllBytes());
    CodeGeneratorResponse response = generate(request);
    // Not System.out: the response is binary and must be the only thing written.
    try (OutputStream out = new FileOutputStream(java.io.FileDescriptor.out)) {
      response.writeTo(out);
    }
  }

  /**
   * Parses a request so that the Java features of editions files ({@code pb.java}) are known
   * extensions, not unknown fields.
   */
  public static CodeGeneratorRequest parseRequest(byte[] bytes) throws IOException {
    // DescriptorProtos first: initializing JavaFeaturesProto before it fails on a class-init cycle.
    DescriptorProtos.getDescriptor();
    ExtensionRegistry registry = ExtensionRegistry.newInstance();
    registry.add(JavaFeaturesProto.java_);
    return CodeGeneratorRequest.parseFrom(bytes, registry);
  }

  /** The response for {@code request}: the generated files, or an error message. */
  public static CodeGeneratorResponse generate(CodeGeneratorRequest request) {
    CodeGeneratorResponse.Builder response = CodeGeneratorResponse.newBuilder()
        .setSupportedFeatures(Feature.FEATURE_PROTO3_OPTIONAL_VALUE
            | Feature.FEATURE_SUPPORTS_EDITIONS_VALUE)
        .setMinimumEdition(Edition.EDITION_2023_VALUE)
        .setMaximumEdition(Edition.EDITION_2024_VALUE);
    try {
      for (CodeGeneratorResponse.File file : generateFiles(request)) {
        response.addFile(file);
      }
    } catch (GeneratorException e) {
      response.setError(e.getMessage());
    }
    return response.build();
  }

  /** A problem with the input, reported to protoc (which prints it and fails). */
  static final class GeneratorException extends Exception {
    private static final long serialVersionUID = 1L;

    GeneratorException(String message) {
      super(message);
    }
  }

  private static List<CodeGeneratorResponse.File> generateFiles(CodeGeneratorRequest request)
      throws GeneratorException {
    if (!request.getParameter().isBlank()) {
      throw new GeneratorException("conduit-compiler takes no options, got: " + request.getParameter());
    }
    Map<String, FileDescriptor> files = buildFiles(request.getProtoFileList());

    // The top-level classes of each Java package: protoc's and, as they are chosen, ours.
    Map<String, Set<String>> classesByPackage = new HashMap<>();
    for (FileDescriptor f : files.values()) {
      classesByPackage.computeIfAbsent(JavaTypes.javaPackage(f), k -> new TreeSet<>())
          .addAll(JavaTypes.topLevelClasses(f));
    }

    List<CodeGeneratorResponse.File> out = new ArrayList<>();
    for (String name : request.getFileToGenerateList()) {
      FileDescriptor file = files.get(name);
      if (file == null) {
        throw new GeneratorException(name + ": not among the request's files");
      }
      String javaPackage = JavaTypes.javaPackage(file);
      Set<String> known = classesByPackage.computeIfAbsent(javaPackage, k -> new TreeSet<>());
      Comments comments = new Comments(file.toProto());
      for (ServiceDescriptor service : file.getServices()) {
        checkTypes(service, javaPackage);
        String className = className(service, known);
        String source = new ServiceGenerator(service, javaPackage, className, comments, known)
            .generate();
        String dir = javaPackage.isEmpty() ? "" : javaPackage.replace('.', '/') + "/";
        out.add(CodeGeneratorResponse.File.newBuilder()
            .setName(dir + className + ".java")
            .setContent(source)
            .build());
      }
    }
    return out;
  }

  private static Map<String, FileDescriptor> buildFiles(List<FileDescriptorProto> protos)
      throws GeneratorException {
    Map<String, FileDescriptor> files = new LinkedHashMap<>();
    // protoc lists every file after its dependencies.
    for (FileDescriptorProto proto : protos) {
      FileDescriptor[] deps = new FileDescriptor[proto.getDependencyCount()];
      for (int i = 0; i < deps.length; i++) {
        deps[i] = files.get(proto.getDependency(i));
        if (deps[i] == null) {
          throw new GeneratorException(proto.getName() + ": dependency " + proto.getDependency(i)
              + " is missing from the request");
        }
      }
      try {
        files.put(proto.getName(), FileDescriptor.buildFrom(proto, deps));
      } catch (DescriptorValidationException e) {
        throw new GeneratorException(proto.getName() + ": " + e.getMessage());
      }
    }
    return files;
  }

  /** {@code GreeterRpc}, made unique (ignoring case, for file systems) within its package. */
  private static String className(ServiceDescriptor service, Set<String> known) {
    String name = JavaNames.upperCamel(service.getName()) + "Rpc";
    while (containsIgnoreCase(known, name)) {
      name += "_";
    }
    known.add(name);
    return name;
  }

  private static boolean containsIgnoreCase(Set<String> names, String name) {
    for (String n : names) {
      if (n.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** Messages in the unnamed package cannot be used from a named one. */
  private static void checkTypes(ServiceDescriptor service, String javaPackage) throws GeneratorException {
    if (javaPackage.isEmpty()) {
      return;
    }
    for (MethodDescriptor m : service.getMethods()) {
      for (Descriptor type : List.of(m.getInputType(), m.getOutputType())) {
        if (JavaTypes.javaPackage(type.getFile()).isEmpty()) {
          throw new GeneratorException(service.getFile().getName() + ": method "
              + service.getFullName() + "/" + m.getName() + " uses " + type.getFullName()
              + ", whose Java class is in the unnamed package and cannot be imported into "
              + javaPackage + "; give " + type.getFile().getName() + " a package or java_package");
        }
      }
    }
  }
}
