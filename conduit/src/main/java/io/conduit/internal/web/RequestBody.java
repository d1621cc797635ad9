package io.conduit.internal.web;

import io.netty.buffer.ByteBuf;

/** Where a request's body goes as it arrives. Event loop only. */
interface RequestBody {
  /** Takes over {@code data}. */
  void data(ByteBuf data);

  /** The body is complete. */
  void end();

  /** The client went away (closed the connection, reset the stream) before the response ended. */
  void clientGone();

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
