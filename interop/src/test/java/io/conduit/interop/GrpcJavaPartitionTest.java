package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.internal.netty.PartitionScenario;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * grpc-java's client in the conduit module's partition scenario: the same two Conduit backends,
 * the same silent cut of one of them inside a private network namespace, the same keepalive
 * settings and load, so that its figures stand beside Conduit's ({@code PartitionTest}) in the
 * README. Only measured: the bounds are Conduit's. It does check that the run happened as
 * designed (streams on both backends, grpc-java on epoll, where it sets TCP_USER_TIMEOUT) and that
 * Conduit's server found the dead grpc-java client in time.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrpcJavaPartitionTest {
  @Test
  void grpcJavaClientThroughAPartition() throws Exception {
    PartitionScenario.Outcome outcome = PartitionScenario.runInNamespace(
        "epoll", PartitionScenario.Fault.PARTITION, GrpcJavaPeer.classpath());
    assertThat(outcome.exitCode()).as("the scenario's verdict; its output:\n" + outcome.output())
        .isZero();
    assertThat(outcome.output())
        .contains("| grpc-java ")
        .contains(" on epoll |")
        .contains("streams on the dead backend fail (UNAVAILABLE) after")
        .doesNotContain("LEAK:");
  }
}
