package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conduit as a JPMS module, the way a modular application uses it: a consumer module is compiled
 * against {@code io.conduit} on the module path, then run on it in a JVM of its own (the rest of
 * the suite runs on the class path). The consumer serves and calls a method, reaches its
 * resolver through {@code provides}/{@code uses}, and is refused the internal packages: at
 * compile time and by reflection.
 */
class ModulePathTest {
  private static final List<String> EXPORTED = List.of("io.conduit", "io.conduit.balancer",
      "io.conduit.health", "io.conduit.protobuf", "io.conduit.resolver", "io.conduit.stub");

  /** This module's classes (an exploded module) and the modules it requires. */
  private static String modulePath;
  /** A public class of an internal package, which a consumer must not reach. */
  private static String internalClass;

  @BeforeAll
  static void findModules() throws IOException {
    Path classes = ConduitModule.classes();
    assertThat(classes.resolve("module-info.class")).exists();
    modulePath = ConduitModule.modulePath();
    internalClass = anyPublicInternalClass(classes);
  }

  private static String anyPublicInternalClass(Path classes) throws IOException {
    try (Stream<Path> files = Files.walk(classes.resolve("io/conduit/internal"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
        String name = classes.relativize(file).toString()
            .replace(java.io.File.separatorChar, '.').replaceAll("\\.class$", "");
        if (name.contains("$")) {
          continue;
        }
        try {
          if (java.lang.reflect.Modifier.isPublic(Class.forName(name, false,
              ModulePathTest.class.getClassLoader()).getModifiers())) {
            return name;
          }
        } catch (ClassNotFoundException e) {
          throw new AssertionError(e);
        }
      }
    }
    throw new AssertionError("no public class in io.conduit.internal.*");
  }

  @Test
  void aConsumerModuleServesAndCallsOnTheModulePath(@TempDir Path dir) throws Exception {
    Path src = dir.resolve("src");
    write(src, "module-info.java", """
        module conduit.consumer {
          requires io.conduit;
          provides io.conduit.resolver.NameResolver.Provider with consumer.LoopbackResolver;
        }
        """);
    write(src, "consumer/LoopbackResolver.java", """
        package consumer;

        import io.conduit.resolver.NameResolver;
        import java.net.InetSocketAddress;
        import java.net.URI;
        import java.util.List;

        /** loopback:PORT, found by ServiceLoader across modules. */
        public final class LoopbackResolver implements NameResolver.Provider {
          @Override
          public String scheme() {
            return "loopback";
          }

          @Override
          public NameResolver newResolver(URI target, NameResolver.Args args) {
            int port = Integer.parseInt(target.getSchemeSpecificPart());
            return new NameResolver() {
              @Override
              public void start(Listener listener) {
                listener.onResult(Result.of(List.of(new InetSocketAddress("127.0.0.1", port))));
              }

              @Override
              public void shutdown() {}
            };
          }
        }
        """);
    write(src, "consumer/Main.java", """
        package consumer;

        import io.conduit.CallOptions;
        import io.conduit.Channel;
        import io.conduit.Marshaller;
        import io.conduit.MethodDescriptor;
        import io.conduit.Server;
        import io.conduit.ServiceDefinition;
        import io.conduit.stub.ClientCalls;
        import io.conduit.stub.ServerCalls;
        import java.lang.invoke.MethodHandles;
        import java.nio.charset.StandardCharsets;
        import java.time.Duration;
        import java.util.TreeSet;

        public final class Main {
          public static void main(String[] args) throws Exception {
            Marshaller<String> text = Marshaller.ofBytes(
                s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
            MethodDescriptor<String, String> echo =
                MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Echo/Unary", text, text);
            ServiceDefinition service = ServiceDefinition.builder("test.Echo")
                .method(echo, ServerCalls.unary((request, out) -> {
                  out.onNext("echo " + request);
                  out.onCompleted();
                }))
                .build();
            try (Server server = Server.builder().bind("127.0.0.1", 0).service(service).build().start();
                Channel channel = Channel.builder("loopback:" + server.port()).build()) {
              System.out.println("reply: " + ClientCalls.blockingUnary(channel, echo,
                  CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)), "hello"));
            }
            Module conduit = Server.class.getModule();
            System.out.println("module: " + conduit.getName());
            System.out.println("exports: " + new TreeSet<>(conduit.getPackages().stream()
                .filter(conduit::isExported).toList()));
            try {
              MethodHandles.lookup().accessClass(Class.forName(args[0]));
              System.out.println("internal: accessible");
            } catch (IllegalAccessException e) {
              System.out.println("internal: refused");
            }
          }
        }
        """);
    Path out = dir.resolve("out");
    DiagnosticCollector<JavaFileObject> diagnostics = compile(src, out);
    assertThat(diagnostics.getDiagnostics()).filteredOn(d -> d.getKind() == Diagnostic.Kind.ERROR)
        .isEmpty();

    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--module-path", modulePath + java.io.File.pathSeparator + out,
        "-m", "conduit.consumer/consumer.Main", internalClass));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    // Read to the end (the child exits after its call); the wait below then returns at once.
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(output).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("reply: echo hello")
        .contains("module: io.conduit")
        .contains("exports: " + EXPORTED)
        .contains("internal: refused");
  }

  @Test
  void aConsumerModuleCannotCompileAgainstAnInternalPackage(@TempDir Path dir) throws Exception {
    Path src = dir.resolve("src");
    write(src, "module-info.java", """
        module conduit.intruder {
          requires io.conduit;
        }
        """);
    write(src, "intruder/Intruder.java", "package intruder;\n\n"
        + "public final class Intruder {\n"
        + "  Class<?> internal = " + internalClass + ".class;\n"
        + "}\n");
    DiagnosticCollector<JavaFileObject> diagnostics = compile(src, dir.resolve("out"));
    String packageName = internalClass.substring(0, internalClass.lastIndexOf('.'));
    assertThat(diagnostics.getDiagnostics())
        .filteredOn(d -> d.getKind() == Diagnostic.Kind.ERROR)
        .map(d -> d.getCode() + ": " + d.getMessage(Locale.ROOT))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("compiler.err.package.not.visible")
        .contains("package " + packageName + " is declared in module io.conduit, which does not export it");
  }

  /** Compiles the module in {@code src} against Conduit on the module path. */
  private static DiagnosticCollector<JavaFileObject> compile(Path src, Path out) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files =
        javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8);
        Stream<Path> sources = Files.walk(src)) {
      List<Path> javaFiles = sources.filter(p -> p.toString().endsWith(".java")).toList();
      // An empty class path: javac in this JVM would otherwise default to the test class path,
      // which holds Conduit's classes once more, in the unnamed module.
      Path noClassPath = Files.createDirectories(out.resolveSibling("empty-class-path"));
      List<String> options = List.of("--release", "17", "--module-path", modulePath,
          "--class-path", noClassPath.toString(), "-d", out.toString());
      javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjectsFromPaths(javaFiles))
          .call();
    }
    return diagnostics;
  }

  private static void write(Path root, String file, String content) throws IOException {
    Path path = root.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content);
  }
}
