package io.conduit.xds.internal;

import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ServerStreamObserver;
import io.conduit.stub.StreamObserver;
import io.conduit.xds.internal.proto.ClientConfig;
import io.conduit.xds.internal.proto.ClientStatusDiscoveryServiceRpc;
import io.conduit.xds.internal.proto.ClientStatusRequest;
import io.conduit.xds.internal.proto.ClientStatusResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * CSDS (gRFC A40): the xDS resources every xDS client of this process holds, with their versions
 * and status, for {@code grpcdebug}-style tools.
 */
public final class CsdsService extends ClientStatusDiscoveryServiceRpc.Service {
  @Override
  public void fetchClientStatus(ClientStatusRequest request,
      ServerStreamObserver<ClientStatusResponse> response) {
    response.onNext(status(request));
    response.onCompleted();
  }

  @Override
  public StreamObserver<ClientStatusRequest> streamClientStatus(
      ServerStreamObserver<ClientStatusResponse> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ClientStatusRequest request) {
        responses.onNext(status(request));
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  private static ClientStatusResponse status(ClientStatusRequest request) {
    List<ClientConfig> configs = new ArrayList<>();
    try {
      for (XdsClient client : XdsClientPool.clients()) {
        configs.add(client.dump(!request.getExcludeResourceContents()).get(5, TimeUnit.SECONDS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(Status.CANCELLED.withDescription("interrupted"));
    } catch (ExecutionException | TimeoutException e) {
      throw new StatusException(Status.INTERNAL.withDescription("xDS client status: " + e));
    }
    return ClientStatusResponse.newBuilder().addAllConfig(configs).build();
  }
}
