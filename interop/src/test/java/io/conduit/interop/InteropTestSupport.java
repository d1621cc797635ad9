package io.conduit.interop;

import io.conduit.Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Helpers shared by the tests: a Conduit interop server on loopback, the client in-process. */
final class InteropTestSupport {
  private InteropTestSupport() {}

  /** A started interop server on {@code 127.0.0.1} and an ephemeral port. */
  static Server startInteropServer(TestServiceImpl service) {
    return InteropServer.builder(service).bind("127.0.0.1", 0).build().start();
  }

  /** The exit code and output of {@link InteropClient#run}. */
  record ClientResult(int exitCode, String output) {}

  static ClientResult runConduitClient(String... args) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int exit;
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      exit = InteropClient.run(args, out, out);
    }
    return new ClientResult(exit, buffer.toString(StandardCharsets.UTF_8));
  }

  static ClientResult runConduitClient(int port, InteropClient.TestCase testCase) {
    return runConduitClient("--server_host=127.0.0.1", "--server_port=" + port,
        "--use_tls=false", "--test_case=" + testCase.caseName());
  }
}
