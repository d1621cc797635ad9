package io.conduit.services.admin;

import io.conduit.RpcService;

/**
 * A service that {@link Admin#addTo(io.conduit.Server.Builder)} registers beside the standard
 * ones when its module is present, found with {@link java.util.ServiceLoader}. {@code conduit-xds}
 * provides CSDS this way, so an admin server shows what its xDS clients hold without naming it.
 */
public interface AdminServiceProvider {
  /** {@return a new instance of the service to register} */
  RpcService service();
}
