package io.conduit.xds;

import io.conduit.RpcService;
import io.conduit.xds.internal.CsdsService;

/**
 * The Client Status Discovery Service ({@code envoy.service.status.v3}, gRFC A40): what every xDS
 * client of this process holds (listeners, routes, clusters, endpoints), their versions, and
 * their status (requested, ACKed, NACKed with the reason, or not existing). Add it to the admin
 * server beside channelz; tools such as {@code grpcdebug} read it.
 *
 * <pre>{@code
 * Server.builder().port(9000).service(Csds.service()).build().start();
 * }</pre>
 */
public final class Csds {
  private Csds() {}

  /** {@return the CSDS service} */
  public static RpcService service() {
    return new CsdsService();
  }
}
