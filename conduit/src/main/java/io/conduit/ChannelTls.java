package io.conduit;

import io.conduit.internal.netty.TlsSupport;
import io.conduit.internal.netty.TlsContext;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * TLS settings of a {@link Channel}: which servers to trust (the JDK's default CAs unless told
 * otherwise) and, for mutual TLS, the client's own certificate. The server's certificate must
 * name the channel's authority (see {@link Channel.Builder#authority}, which also sets the name
 * sent in SNI); the server must negotiate HTTP/2 with ALPN {@code h2}.
 *
 * <pre>{@code
 * Channel channel = Channel.builder("localhost:50051")
 *     .tls(ChannelTls.builder()
 *         .trustPem(Path.of("ca.pem"))
 *         .keyPair(Path.of("client.pem"), Path.of("client.key"))   // only for mutual TLS
 *         .build())
 *     .build();
 * }</pre>
 */
public final class ChannelTls {

  private final TlsContext context;

  private ChannelTls(TlsContext context) {
    this.context = context;
  }

  /** A builder that trusts the JDK's default certificate authorities until told otherwise. */
  public static Builder builder() {
    return new Builder();
  }

  /** Trusts the JDK's default CAs; no client certificate. */
  public static ChannelTls systemDefault() {
    return builder().build();
  }

  TlsContext context() {
    return context;
  }

  /** Configures a {@link ChannelTls}. */
  public static final class Builder {
    private final TlsSupport.Material material = new TlsSupport.Material();

    private Builder() {}

    /** Trusts the CA certificates in this PEM file (instead of the JDK's defaults). */
    public Builder trustPem(Path caCertsPem) {
      material.trustPem(caCertsPem);
      return this;
    }

    /** Trusts the certificates in {@code trustStore}. */
    public Builder trustStore(KeyStore trustStore) {
      material.trustStore(trustStore);
      return this;
    }

    /** Verifies servers with a trust manager of your own. */
    public Builder trustManager(TrustManager trustManager) {
      material.trustManager(trustManager);
      return this;
    }

    /** The client certificate chain (PEM) and private key (PKCS#8 PEM), for mutual TLS. */
    public Builder keyPair(Path certChainPem, Path privateKeyPem) {
      material.keyPair(certChainPem, privateKeyPem);
      return this;
    }

    /** The client key entry of {@code keyStore}, unlocked with {@code password}, for mutual TLS. */
    public Builder keyStore(KeyStore keyStore, char[] password) {
      material.keyStore(keyStore, password);
      return this;
    }

    /** A client key manager of your own, for mutual TLS. */
    public Builder keyManager(KeyManager keyManager) {
      material.keyManager(keyManager);
      return this;
    }

    /**
     * Reads the key material and builds the settings.
     *
     * @throws IllegalArgumentException when the material cannot be read
     */
    public ChannelTls build() {
      return new ChannelTls(material.clientContext());
    }
  }
}
