package io.conduit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import io.conduit.examples.helloworld.GreeterServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * bin/conduit over the packaged jar, as a user runs it: the first run after a build writes the
 * class-data sharing archive, the next ones use it, and both answer alike.
 */
@Timeout(120)
class ConduitScriptIT {
  private static final Path SCRIPT = Path.of(System.getProperty("conduit.cli.script", "bin/conduit"));

  record Result(int exit, String out, String err) {}

  static Result run(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(SCRIPT.toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("conduit-out-", ".txt");
    Path err = Files.createTempFile("conduit-err-", ".txt");
    try {
      Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("conduit " + args[0] + " did not end in 60 s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Test
  void callsTheGreeterWithAndWithoutTheArchive() throws Exception {
    Path archive = SCRIPT.toAbsolutePath().getParent().resolveSibling("target").resolve("conduit-cli.jsa");
    Files.deleteIfExists(archive);
    try (Server server = GreeterServer.builder(0).build().start()) {
      String target = "127.0.0.1:" + server.port();
      for (int i = 0; i < 2; i++) {
        Result call = run("call", target, "helloworld.Greeter/SayHello", "-d", "{\"name\":\"IT\"}",
            "--plaintext");
        assertThat(call.exit()).as(call.err()).isZero();
        assertThat(call.out()).isEqualTo("{\"message\":\"Hello IT\"}\n");
        assertThat(call.err()).isEmpty();
        assertThat(archive).as("the archive after run " + (i + 1)).exists();
      }
      Result missing = run("call", target, "helloworld.Greeter/Nope", "--plaintext");
      assertThat(missing.exit()).isEqualTo(Main.BAD_INPUT);
      assertThat(missing.err()).contains("no method Nope");
    }
  }
}
