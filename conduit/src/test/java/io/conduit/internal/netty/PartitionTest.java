package io.conduit.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
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
    PartitionScenario.Outcome outcome = PartitionScenario.runInNamespace(transport, fault, null);
    assertThat(outcome.exitCode()).as("the scenario's verdict; its output:\n" + outcome.output())
        .isZero();
    assertThat(outcome.output()).doesNotContain("LEAK:");
  }
}
