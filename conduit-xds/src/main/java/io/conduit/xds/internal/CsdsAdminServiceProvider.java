package io.conduit.xds.internal;

import io.conduit.RpcService;
import io.conduit.services.admin.AdminServiceProvider;
import io.conduit.xds.Csds;

/** Puts CSDS on every server that registers the admin services. */
public final class CsdsAdminServiceProvider implements AdminServiceProvider {
  @Override
  public RpcService service() {
    return Csds.service();
  }
}
