package io.conduit.xds.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.resolver.CallConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class XdsCallConfigSelectorTest {
  private static final io.conduit.Marshaller<String> STRING = io.conduit.Marshaller.ofBytes(
      s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8),
      b -> new String(b, java.nio.charset.StandardCharsets.UTF_8));
  private static final MethodDescriptor<String, String> GET = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "pkg.Svc/Get", STRING, STRING);
  private static final MethodDescriptor<String, String> PUT = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "pkg.Svc/Put", STRING, STRING);

  private static Route route(String path, Duration timeout, RetryConfig retry,
      Map<String, FaultConfig> faults) {
    return new Route(new Route.PathMatcher(Route.PathMatcher.Kind.PATH, path, true, null),
        List.of(), -1, List.of(new Route.ClusterWeight("c1", 1)), timeout, List.of(), retry,
        faults);
  }

  private static final FaultConfig ABORT_ALL = new FaultConfig(null, false,
      FaultConfig.Share.NONE, Status.PERMISSION_DENIED.withDescription("fault"), false,
      new FaultConfig.Share(100, 10_000));
  private static final FaultConfig BY_HEADERS = new FaultConfig(null, true,
      new FaultConfig.Share(100, 10_000), null, true, new FaultConfig.Share(100, 10_000));

  private static XdsCallConfigSelector selector() {
    RetryConfig retry = new RetryConfig(3, Duration.ofMillis(25), Duration.ofMillis(250),
        Set.of(Status.Code.UNAVAILABLE));
    VirtualHost vh = new VirtualHost("vh", List.of("*"), List.of(
        route("/pkg.Svc/Get", Duration.ofMillis(1500), null, Map.of()),
        route("/pkg.Svc/Put", null, null, Map.of("fault", ABORT_ALL))), retry, Map.of());
    Map<String, FaultConfig> chain = new java.util.LinkedHashMap<>();
    chain.put("fault", BY_HEADERS);
    return new XdsCallConfigSelector(new XdsConfig(vh, null, Map.of(), Duration.ofSeconds(30),
        chain));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(CallConfig config) {
    return (Map<String, Object>) config.methodConfig();
  }

  @Test
  void theRoutesTimeoutAndTheVirtualHostsRetryPolicy() {
    CallConfig config = selector().select(GET, new Metadata());
    assertThat(json(config)).containsEntry("timeout", "1.5s");
    @SuppressWarnings("unchecked")
    Map<String, Object> retry = (Map<String, Object>) config.methodConfig().get("retryPolicy");
    assertThat(retry).containsEntry("maxAttempts", 3).containsEntry("initialBackoff", "0.025s")
        .containsEntry("maxBackoff", "0.25s")
        .containsEntry("retryableStatusCodes", List.of("UNAVAILABLE"));
    assertThat(config.abort()).isNull();
    assertThat(config.delay()).isNull();
  }

  @Test
  void faultsFromTheHeadersOrTheRoutesOverride() {
    XdsCallConfigSelector selector = selector();
    CallConfig delayed = selector.select(GET, new Metadata()
        .add(FaultConfig.DELAY_HEADER, "250").add(FaultConfig.ABORT_GRPC_HEADER, "14"));
    assertThat(delayed.delay()).isEqualTo(Duration.ofMillis(250));
    assertThat(delayed.abort().code()).isEqualTo(Status.Code.UNAVAILABLE);
    // The listener's default timeout applies to routes without their own.
    CallConfig denied = selector.select(PUT, new Metadata());
    assertThat(denied.abort().code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(json(denied)).containsEntry("timeout", "30s");
    // A percentage header below the configured share: 0 % never aborts.
    CallConfig none = selector.select(GET, new Metadata()
        .add(FaultConfig.ABORT_GRPC_HEADER, "14").add(FaultConfig.ABORT_PERCENT_HEADER, "0"));
    assertThat(none.abort()).isNull();
  }
}
