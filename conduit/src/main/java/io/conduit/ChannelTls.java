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

  /**
   * {@return a builder that trusts the JDK's default certificate authorities until told otherwise}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Trusts the JDK's default CAs; no client certificate.
   *
   * @return the default TLS settings
   */
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

    /**
     * Trusts the CA certificates in this PEM file (instead of the JDK's defaults).
     *
     * @param caCertsPem the PEM file of the trusted CA certificates
     * @return this builder
     */
    public Builder trustPem(Path caCertsPem) {
      material.trustPem(caCertsPem);
      return this;
    }

    /**
     * Trusts the certificates in {@code trustStore}.
     *
     * @param trustStore the key store of the trusted certificates
     * @return this builder
     */
    public Builder trustStore(KeyStore trustStore) {
      material.trustStore(trustStore);
      return this;
    }

    /**
     * Verifies servers with a trust manager of your own.
     *
     * @param trustManager the trust manager that verifies servers
     * @return this builder
     */
    public Builder trustManager(TrustManager trustManager) {
      material.trustManager(trustManager);
      return this;
    }

    /**
     * The client certificate chain (PEM) and private key (PKCS#8 PEM), for mutual TLS.
     *
     * @param certChainPem the PEM file of the client's certificate chain, its own first
     * @param privateKeyPem the PKCS#8 PEM file of the client's private key
     * @return this builder
     */
    public Builder keyPair(Path certChainPem, Path privateKeyPem) {
      material.keyPair(certChainPem, privateKeyPem);
      return this;
    }

    /**
     * The client key entry of {@code keyStore}, unlocked with {@code password}, for mutual TLS.
     *
     * @param keyStore the key store holding the client's key entry
     * @param password the password of the key entry
     * @return this builder
     */
    public Builder keyStore(KeyStore keyStore, char[] password) {
      material.keyStore(keyStore, password);
      return this;
    }

    /**
     * A client key manager of your own, for mutual TLS.
     *
     * @param keyManager the key manager that chooses the client's certificate
     * @return this builder
     */
    public Builder keyManager(KeyManager keyManager) {
      material.keyManager(keyManager);
      return this;
    }

    /**
     * Reads the key material and builds the settings.
     *
     * @return the TLS settings
     * @throws IllegalArgumentException when the material cannot be read
     */
    public ChannelTls build() {
      return new ChannelTls(material.clientContext());
    }
  }
}
