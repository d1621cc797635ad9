package io.conduit.internal.netty;

import io.conduit.testing.RawConnection;

/** A SETTINGS flood from a client that reads none of the acknowledgements. */
class SettingsFloodTest extends ControlFrameFloodTest {
  @Override
  int frameType() {
    return RawConnection.SETTINGS;
  }
}
