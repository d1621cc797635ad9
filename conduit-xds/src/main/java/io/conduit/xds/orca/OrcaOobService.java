package io.conduit.xds.orca;

import io.conduit.stub.ServerStreamObserver;
import io.conduit.xds.internal.proto.OpenRcaServiceRpc;
import io.conduit.xds.internal.proto.OrcaLoadReport;
import io.conduit.xds.internal.proto.OrcaLoadReportRequest;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The out-of-band ORCA service (gRFC A51): each stream gets the server's load report at once and
 * then every interval it asked for, but not more often than the server's minimum.
 */
final class OrcaOobService extends OpenRcaServiceRpc.Service {
  private final ServerMetricRecorder recorder;
  private final Duration minInterval;
  private final ScheduledExecutorService timer;

  OrcaOobService(ServerMetricRecorder recorder, Duration minInterval) {
    this.recorder = recorder;
    this.minInterval = minInterval;
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "conduit-orca-reports");
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
  }

  @Override
  public void streamCoreMetrics(OrcaLoadReportRequest request,
      ServerStreamObserver<OrcaLoadReport> responses) {
    Duration asked = Duration.ofSeconds(request.getReportInterval().getSeconds(),
        request.getReportInterval().getNanos());
    long nanos = Math.max(asked.toNanos(), minInterval.toNanos());
    ScheduledFuture<?> reports = timer.scheduleAtFixedRate(() -> {
      if (!responses.isCancelled()) {
        responses.onNext(recorder.report.snapshot());
      }
    }, 0, nanos, TimeUnit.NANOSECONDS);
    responses.setOnCancelHandler(() -> reports.cancel(false));
  }

  @Override
  public void onServerShutdown() {
    timer.shutdownNow();
  }
}
