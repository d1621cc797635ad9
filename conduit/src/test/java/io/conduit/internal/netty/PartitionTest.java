package io.conduit.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A backend cut off silently by the network, with a real kernel: {@link PartitionScenario} in a
 * JVM of its own inside a private network namespace ({@code unshare -n}, which needs root or user
 * namespaces), where every packet to and from one backend (in a namespace of its own) is dropped
 * while calls flow, and later let through again. The keepalive timeout, set as TCP_USER_TIMEOUT (gRFC A18), must
 * find the dead connection on both sides within twice its length, and the healed backend must
 * get calls again. Where namespaces cannot be made the test fails under CI and is skipped
 * elsewhere, saying why.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PartitionTest {
  @Test
  void onEpollASilentlyDeadPeerIsFoundWithinTheKeepAliveTimeout() throws Exception {
    assertThat(EventLoops.EPOLL).as("TCP_USER_TIMEOUT needs the epoll transport").isTrue();
    runScenario("epoll", PartitionScenario.Fault.PARTITION);
  }

  @Test
  void onNioTheKeepAlivePingFindsIt() throws Exception {
    // NIO has no TCP_USER_TIMEOUT: keepAliveTime of silence, then the PING's timeout. The
    // server side also shows that a dead client's calls are cancelled, not left waiting on a
    // graceful close that never comes.
    runScenario("nio", PartitionScenario.Fault.PARTITION);
  }

  @Test
  void aStoppedBackendIsFoundByTheKeepAlivePing() throws Exception {
    // SIGSTOP: the backend's kernel still acknowledges every byte, so TCP sees nothing wrong;
    // only the unanswered PING tells.
    runScenario("epoll", PartitionScenario.Fault.STOP);
  }

  @Test
  void aKilledBackendLosesOnlyItsInFlightCalls() throws Exception {
    runScenario("epoll", PartitionScenario.Fault.KILL);
  }

  private static void runScenario(String transport, PartitionScenario.Fault fault)
      throws Exception {
    String setup = "ip link set lo up";
    String probe = probe(setup + " && ip link add v0 type veth peer name v1 && command -v nsenter");
    if (probe != null) {
      String why = "cannot make a private network namespace (unshare -n, which needs root or user "
          + "namespaces, iproute2 with veth, and nsenter): " + probe;
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(why);
      }
      Assumptions.abort(why);
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = List.of("unshare", "-n", "sh", "-c", setup + " && exec \"$0\" \"$@\"",
        java, "-Xmx256m", "-Dio.conduit.transport=" + transport,
        "-cp", System.getProperty("java.class.path"),
        "-Dio.netty.leakDetection.level=paranoid", PartitionScenario.class.getName(), fault.name());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    System.out.println(out);
    assertThat(p.exitValue()).as("the scenario's verdict; its output:\n" + out).isZero();
    assertThat(out).doesNotContain("LEAK:");
  }

  /** Null when a namespace with {@code setup} can be made, else what went wrong. */
  private static String probe(String setup) throws InterruptedException {
    try {
      Process p = new ProcessBuilder("unshare", "-n", "sh", "-c", setup)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    } catch (IOException e) {
      return e.getMessage();
    }
  }
}
