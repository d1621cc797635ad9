package io.conduit.opentelemetry.internal;

import java.util.List;
import java.util.Set;

/** The names of the metrics this module records, and which of them are on by default. */
public final class MetricNames {
  private MetricNames() {}

  // gRFC A66, on by default.
  public static final String CLIENT_ATTEMPT_STARTED = "grpc.client.attempt.started";
  public static final String CLIENT_ATTEMPT_DURATION = "grpc.client.attempt.duration";
  public static final String CLIENT_ATTEMPT_SENT = "grpc.client.attempt.sent_total_compressed_message_size";
  public static final String CLIENT_ATTEMPT_RCVD = "grpc.client.attempt.rcvd_total_compressed_message_size";
  public static final String CLIENT_CALL_DURATION = "grpc.client.call.duration";
  public static final String SERVER_CALL_STARTED = "grpc.server.call.started";
  public static final String SERVER_CALL_DURATION = "grpc.server.call.duration";
  public static final String SERVER_CALL_SENT = "grpc.server.call.sent_total_compressed_message_size";
  public static final String SERVER_CALL_RCVD = "grpc.server.call.rcvd_total_compressed_message_size";

  // gRFC A96, experimental: off by default.
  public static final String CLIENT_CALL_RETRIES = "grpc.client.call.retries";
  public static final String CLIENT_CALL_TRANSPARENT_RETRIES = "grpc.client.call.transparent_retries";
  public static final String CLIENT_CALL_HEDGES = "grpc.client.call.hedges";
  public static final String CLIENT_CALL_RETRY_DELAY = "grpc.client.call.retry_delay";

  // gRFC A94, experimental: off by default.
  public static final String SUBCHANNEL_SUCCEEDED = "grpc.subchannel.connection_attempts_succeeded";
  public static final String SUBCHANNEL_FAILED = "grpc.subchannel.connection_attempts_failed";
  public static final String SUBCHANNEL_DISCONNECTIONS = "grpc.subchannel.disconnections";
  public static final String SUBCHANNEL_OPEN_CONNECTIONS = "grpc.subchannel.open_connections";

  public static final Set<String> DEFAULT = Set.of(CLIENT_ATTEMPT_STARTED, CLIENT_ATTEMPT_DURATION,
      CLIENT_ATTEMPT_SENT, CLIENT_ATTEMPT_RCVD, CLIENT_CALL_DURATION, SERVER_CALL_STARTED,
      SERVER_CALL_DURATION, SERVER_CALL_SENT, SERVER_CALL_RCVD);

  public static final Set<String> EXPERIMENTAL = Set.of(CLIENT_CALL_RETRIES,
      CLIENT_CALL_TRANSPARENT_RETRIES, CLIENT_CALL_HEDGES, CLIENT_CALL_RETRY_DELAY,
      SUBCHANNEL_SUCCEEDED, SUBCHANNEL_FAILED, SUBCHANNEL_DISCONNECTIONS, SUBCHANNEL_OPEN_CONNECTIONS);

  /** The optional labels this module can add (gRFC A94). */
  public static final String DISCONNECT_ERROR = "grpc.disconnect_error";
  public static final Set<String> OPTIONAL_LABELS = Set.of(DISCONNECT_ERROR);

  /** gRFC A66's latency buckets, in seconds. */
  public static final List<Double> LATENCY_BUCKETS = List.of(0.0, 0.00001, 0.00005, 0.0001, 0.0003,
      0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.013, 0.016, 0.02,
      0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8,
      1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0);

  /** gRFC A66's size buckets, in bytes. */
  public static final List<Long> SIZE_BUCKETS = List.of(0L, 1024L, 2048L, 4096L, 16384L, 65536L,
      262144L, 1048576L, 4194304L, 16777216L, 67108864L, 268435456L, 1073741824L, 4294967296L);

  /** gRFC A96's buckets for retries and hedges, and for transparent retries. */
  public static final List<Long> RETRY_BUCKETS = List.of(1L, 2L, 3L, 4L, 5L);
  public static final List<Long> TRANSPARENT_RETRY_BUCKETS = List.of(1L, 2L, 3L, 4L, 5L, 10L);
}
