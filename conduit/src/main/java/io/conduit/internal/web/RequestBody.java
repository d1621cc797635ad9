package io.conduit.internal.web;

import io.conduit.internal.netty.WebServer;
import io.netty.buffer.ByteBuf;

/** Where a request's body goes as it arrives, whatever the HTTP version. Event loop only. */
interface RequestBody extends WebServer.RequestBody {
  /** A body nobody reads (a response that needs none of it). */
  RequestBody DISCARD = new RequestBody() {
    @Override
    public void data(ByteBuf data) {
      data.release();
    }

    @Override
    public void end() {}

    @Override
    public void clientGone() {}
  };
}
