package io.conduit;

/**
 * The conformance suite over the in-process transport: no sockets, no HTTP/2, the same call
 * semantics. Each server gets the JVM-unique name the suite hands out, so tests never collide.
 */
class InProcessTransportConformanceTest extends AbstractTransportConformanceTest {
  @Override
  protected Server.Builder newServerBuilder(String name) {
    return Server.builder().inProcess(name);
  }

  @Override
  protected Channel.Builder newChannelBuilder(Server server, String name) {
    return Channel.builder("inprocess:" + name);
  }

  /**
   * The in-process transport may pass messages uncompressed whatever was asked; the suite then
   * checks only that they arrive intact. Return true if it does compress (or marks messages as
   * compressed) when an encoding is negotiated.
   */
  @Override
  protected boolean compressesMessages() {
    return false;
  }

  // checkRemoteAddress: the default (a non-null address) holds for an in-process peer; override it
  // to pin the address type the transport documents (for example an in-process address carrying
  // the server's name).
}
