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
