package io.conduit.internal.netty;

import io.netty.handler.ssl.SslContext;

/**
 * TLS settings made ready for the Netty transport (an {@code SslContext}), so that the API and
 * the channel and server above the transport boundary carry them without naming a Netty type.
 */
public final class TlsContext {
  private final SslContext sslContext;

  TlsContext(SslContext sslContext) {
    this.sslContext = sslContext;
  }

  SslContext sslContext() {
    return sslContext;
  }
}
