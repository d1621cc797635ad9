package io.conduit.xds.orca;

import io.conduit.Context;
import io.conduit.Contexts;
import io.conduit.ForwardingServerCall;
import io.conduit.Metadata;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServerInterceptor;
import io.conduit.Status;

/**
 * Backend load reports for the clients that balance by them (ORCA, gRFC A51): every call's
 * trailers carry an {@code endpoint-load-metrics-bin} report with the server's values and the
 * call's own.
 *
 * <pre>{@code
 * ServerMetricRecorder load = ServerMetricRecorder.create();
 * Server.builder().port(50051).service(new GreeterService())
 *     .intercept(OrcaReporting.interceptor(load)).build().start();
 * load.setApplicationUtilization(0.42).setQps(800);
 * }</pre>
 */
public final class OrcaReporting {
  /** The trailer the report goes in. */
  public static final String TRAILER = "endpoint-load-metrics-bin";

  private OrcaReporting() {}

  /**
   * The out-of-band load report service ({@code xds.service.orca.v3.OpenRcaService}): clients
   * with {@code weighted_round_robin}'s {@code enableOobLoadReport} open one stream per backend
   * and get the server's values every interval they ask for.
   *
   * @param server the server's values
   * @param minInterval the shortest interval a client may ask for (gRFC A51 suggests 30 s)
   * @return the service, to add to the server
   */
  public static io.conduit.RpcService service(ServerMetricRecorder server,
      java.time.Duration minInterval) {
    java.util.Objects.requireNonNull(server, "server");
    if (minInterval.isNegative()) {
      throw new IllegalArgumentException("negative minInterval " + minInterval);
    }
    return new OrcaOobService(server, minInterval);
  }

  /**
   * An interceptor that puts a load report in every call's trailers.
   *
   * @param server the server's values, under each call's own
   * @return the interceptor
   */
  public static ServerInterceptor interceptor(ServerMetricRecorder server) {
    java.util.Objects.requireNonNull(server, "server");
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        CallMetricRecorder recorder = new CallMetricRecorder();
        ServerCall<Q, R> reporting = new ForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            trailers.addBinary(TRAILER,
                recorder.report.over(server.report.snapshot()).toByteArray());
            super.close(status, trailers);
          }
        };
        return Contexts.interceptCall(Context.current().withValue(CallMetricRecorder.KEY, recorder),
            reporting, headers, next);
      }
    };
  }
}
