package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A new user's first project: the README's {@code pom.xml}, a {@code .proto} file and a main
 * class, built by the {@code mvn} on the path with Maven's default plugins and run with
 * {@code mvn compile exec:java}, as the README says. The Conduit artifacts come from this build,
 * installed into a copy of the local repository (as {@code mvn install} would put them), so that
 * the real one is left alone.
 */
@Timeout(600)
class UserProjectIT {
  private static final String VERSION = System.getProperty("conduit.version", "0.1.0-SNAPSHOT");
  private static final Path ROOT = Paths.get(System.getProperty("conduit.root", ".."));

  static final String MAIN = """
      package com.example;

      import io.conduit.Channel;
      import io.conduit.Server;
      import io.conduit.stub.ServerStreamObserver;
      import io.grpc.examples.helloworld.GreeterRpc;
      import io.grpc.examples.helloworld.HelloReply;
      import io.grpc.examples.helloworld.HelloRequest;

      public class Main {
        public static void main(String[] args) throws Exception {
          Server server = Server.builder().bind("127.0.0.1", 0).service(new GreeterRpc.Service() {
            @Override
            public void sayHello(HelloRequest request, ServerStreamObserver<HelloReply> reply) {
              reply.onNext(HelloReply.newBuilder().setMessage("Hello " + request.getName()).build());
              reply.onCompleted();
            }
          }).build().start();
          try (Channel channel = Channel.builder("127.0.0.1:" + server.port()).build()) {
            HelloReply answer = GreeterRpc.newBlockingClient(channel)
                .sayHello(HelloRequest.newBuilder().setName("README").build());
            System.out.println("answer: " + answer.getMessage());
          } finally {
            server.close();
          }
        }
      }
      """;

  @Test
  void aProjectFromTheReadmesPomBuildsAndMakesACall() throws Exception {
    Path work = Files.createTempDirectory(ROOT.resolve("examples/target"), "user-project");
    Path repo = work.resolve("m2");
    copyTree(Paths.get(System.getProperty("conduit.localRepository")), repo);
    install(repo, "conduit-parent", ROOT.resolve("pom.xml"), null);
    install(repo, "conduit", ROOT.resolve("conduit/pom.xml"),
        ROOT.resolve("conduit/target/conduit-" + VERSION + ".jar"));
    install(repo, "conduit-compiler", ROOT.resolve("conduit-compiler/pom.xml"),
        ROOT.resolve("conduit-compiler/target/conduit-compiler-" + VERSION + ".jar"));

    Path project = work.resolve("project");
    Files.createDirectories(project.resolve("src/main/proto"));
    Files.createDirectories(project.resolve("src/main/java/com/example"));
    Files.writeString(project.resolve("pom.xml"), readmePom());
    Files.copy(ROOT.resolve("examples/src/main/proto/helloworld.proto"),
        project.resolve("src/main/proto/helloworld.proto"));
    Files.writeString(project.resolve("src/main/java/com/example/Main.java"), MAIN);

    Path log = work.resolve("mvn.log");
    // Online, as a user's first build is: what this checkout's build never needed (the exec
    // plugin's parent pom) comes from Maven Central into the copy.
    Process mvn = new ProcessBuilder("mvn", "-q", "-B", "-Dmaven.repo.local=" + repo,
        "compile", "exec:java")
        .directory(project.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
    if (!mvn.waitFor(480, TimeUnit.SECONDS)) {
      mvn.destroyForcibly();
      throw new AssertionError("mvn did not finish:\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    assertThat(mvn.exitValue()).as(output).isZero();
    assertThat(output).as(output).contains("answer: Hello README")
        .doesNotContain("Source option 5");
  }

  /** The README's whole-project pom.xml, exactly as shown. */
  static String readmePom() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    Matcher block = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    while (block.find()) {
      if (block.group(1).startsWith("<project")) {
        return block.group(1);
      }
    }
    throw new AssertionError("no pom.xml block in the README");
  }

  /** Puts an artifact where {@code mvn install} would, in the repository at {@code repo}. */
  static void install(Path repo, String artifactId, Path pom, Path jar) throws IOException {
    Path dir = repo.resolve("io/conduit/" + artifactId + "/" + VERSION);
    Files.createDirectories(dir);
    Files.copy(pom, dir.resolve(artifactId + "-" + VERSION + ".pom"));
    if (jar != null) {
      Files.copy(jar, dir.resolve(artifactId + "-" + VERSION + ".jar"));
    }
  }

  /**
   * The local repository without Conduit's own artifacts: hard links where the file system
   * allows (a copy of hundreds of megabytes otherwise), so that Maven can work offline.
   */
  static void copyTree(Path from, Path to) throws IOException {
    Path conduit = from.resolve("io/conduit");
    List<Path> all;
    try (Stream<Path> walk = Files.walk(from)) {
      all = walk.filter(p -> !p.startsWith(conduit)).toList();
    }
    for (Path p : all) {
      Path target = to.resolve(from.relativize(p).toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(target);
      } else if (!p.getFileName().toString().endsWith(".lastUpdated")) {
        try {
          Files.createLink(target, p);
        } catch (IOException | UnsupportedOperationException e) {
          Files.copy(p, target);
        }
      }
    }
  }
}
