package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  /** The cases of doc/interop-test-descriptions.md, for parameterized tests against any peer. */
  static List<InteropClient.TestCase> standardCases() {
    return InteropClient.TestCase.standardCases();
  }

  /**
   * What grpc-java's interop client runs against the Conduit server: every case both name (the
   * standard ones and the {@code _noprobe} variants), not Conduit's own lb_spread.
   */
  static List<InteropClient.TestCase> grpcJavaClientCases() {
    return Arrays.stream(InteropClient.TestCase.values())
        .filter(c -> c != InteropClient.TestCase.LB_SPREAD)
        .toList();
  }

  /**
   * What the Conduit client runs against grpc-java's interop server: the standard cases but the
   * probing client_compressed_* (grpc-java's server does not check {@code expect_compressed}),
   * and their {@code _noprobe} variants instead.
   */
  static List<InteropClient.TestCase> grpcJavaServerCases() {
    return Arrays.stream(InteropClient.TestCase.values())
        .filter(c -> c != InteropClient.TestCase.LB_SPREAD && !c.needsCompressedRequestCheck())
        .toList();
  }

  private static final Pattern BACKEND_LINE = Pattern.compile("(?m)^backend (.+): (\\d+)$");

  /** The {@code backend ID: N} lines of lb_spread's output, by ID. */
  static Map<String, Integer> backends(String output) {
    Map<String, Integer> counts = new TreeMap<>();
    Matcher m = BACKEND_LINE.matcher(output);
    while (m.find()) {
      counts.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    return counts;
  }

  /**
   * Asserts that lb_spread's {@code output} names exactly {@code ids}, each with its share of
   * {@code numTimes} within ±10 %.
   */
  static void assertEvenSpread(String output, List<String> ids, int numTimes) {
    Map<String, Integer> counts = backends(output);
    assertThat(counts.keySet()).as("backends in the output:%n%s", output)
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum())
        .as("calls counted in the output:%n%s", output).isEqualTo(numTimes);
    double share = (double) numTimes / ids.size();
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      assertThat((double) e.getValue())
          .as("calls to backend %s (expected %.0f ±10 %%); output:%n%s", e.getKey(), share, output)
          .isBetween(share * 0.9, share * 1.1);
    }
  }

  /** Asserts that lb_spread's {@code output} names one backend of {@code ids}, with all calls. */
  static void assertOneBackend(String output, List<String> ids, int numTimes) {
    Map<String, Integer> counts = backends(output);
    assertThat(counts).as("backends in the output:%n%s", output).hasSize(1);
    assertThat(ids).contains(counts.keySet().iterator().next());
    assertThat(counts.values()).containsExactly(numTimes);
  }

  static ClientResult runConduitClient(int port, InteropClient.TestCase testCase) {
    return runConduitClient("--server_host=127.0.0.1", "--server_port=" + port,
        "--use_tls=false", "--test_case=" + testCase.caseName());
  }
}
