package io.conduit.internal.netty;

import io.conduit.testing.RawConnection;

/** A PING flood from a client that reads none of the acknowledgements. */
class PingFloodTest extends ControlFrameFloodTest {
  @Override
  int frameType() {
    return RawConnection.PING;
  }
}
