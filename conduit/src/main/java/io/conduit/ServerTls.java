package io.conduit;

import io.conduit.internal.netty.TlsSupport;
import io.conduit.internal.netty.TlsContext;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * TLS settings of a {@link Server}: its certificate and key, and whether (and against what) it
 * verifies client certificates (mutual TLS). HTTP/2 is negotiated with ALPN {@code h2}; clients
 * that do not offer it are refused. Key material is read when {@link Builder#build()} runs; to
 * rotate certificates without a restart, build a new {@code ServerTls} and hand it to
 * {@link Server#updateTls} (new connections use it, open ones keep theirs).
 *
 * <pre>{@code
 * Server server = Server.builder().port(443)
 *     .tls(ServerTls.builder()
 *         .keyPair(Path.of("server.pem"), Path.of("server.key"))
 *         .trustPem(Path.of("clients-ca.pem"))
 *         .clientAuth(ServerTls.ClientAuth.REQUIRE)
 *         .build())
 *     .service(new GreeterService())
 *     .build().start();
 * // in a handler or interceptor: Peer.current().principal()
 * }</pre>
 */
public final class ServerTls {

  /** Whether the server asks for client certificates. */
  public enum ClientAuth {
    /** No client certificates (default). */
    NONE,
    /** Asks for one and verifies it if sent. */
    OPTIONAL,
    /** Refuses clients without a certificate the trust material verifies. */
    REQUIRE
  }

  private final TlsContext context;

  private ServerTls(TlsContext context) {
    this.context = context;
  }

  /** {@return a builder; give it key material with one of the {@code key*} methods} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * TLS with the PEM certificate chain and PKCS#8 PEM private key, no client certificates.
   *
   * @param certChain the PEM file of the certificate chain, the server's first
   * @param privateKey the PKCS#8 PEM file of the private key
   * @return the TLS settings
   */
  public static ServerTls fromPem(Path certChain, Path privateKey) {
    return builder().keyPair(certChain, privateKey).build();
  }

  TlsContext context() {
    return context;
  }

  /** Configures a {@link ServerTls}. */
  public static final class Builder {
    private final TlsSupport.Material material = new TlsSupport.Material();
    private ClientAuth clientAuth = ClientAuth.NONE;

    private Builder() {}

    /**
     * The certificate chain (PEM, the server's first) and its private key (PKCS#8 PEM).
     *
     * @param certChainPem the PEM file of the certificate chain
     * @param privateKeyPem the PKCS#8 PEM file of the private key
     * @return this builder
     */
    public Builder keyPair(Path certChainPem, Path privateKeyPem) {
      material.keyPair(certChainPem, privateKeyPem);
      return this;
    }

    /**
     * The key entry of {@code keyStore} (e.g. PKCS#12), unlocked with {@code password}.
     *
     * @param keyStore the key store holding the key entry
     * @param password the password of the key entry
     * @return this builder
     */
    public Builder keyStore(KeyStore keyStore, char[] password) {
      material.keyStore(keyStore, password);
      return this;
    }

    /**
     * A key manager of your own, e.g. one that picks up renewed certificates itself.
     *
     * @param keyManager the key manager that chooses the server's certificate
     * @return this builder
     */
    public Builder keyManager(KeyManager keyManager) {
      material.keyManager(keyManager);
      return this;
    }

    /**
     * Verifies client certificates against the CA certificates in this PEM file.
     *
     * @param caCertsPem the PEM file of the trusted CA certificates
     * @return this builder
     */
    public Builder trustPem(Path caCertsPem) {
      material.trustPem(caCertsPem);
      return this;
    }

    /**
     * Verifies client certificates against the certificates in {@code trustStore}.
     *
     * @param trustStore the key store of the trusted certificates
     * @return this builder
     */
    public Builder trustStore(KeyStore trustStore) {
      material.trustStore(trustStore);
      return this;
    }

    /**
     * Verifies client certificates with a trust manager of your own.
     *
     * @param trustManager the trust manager that verifies clients
     * @return this builder
     */
    public Builder trustManager(TrustManager trustManager) {
      material.trustManager(trustManager);
      return this;
    }

    /**
     * Whether to ask for client certificates (default {@link ClientAuth#NONE}).
     *
     * @param clientAuth whether client certificates are requested or required
     * @return this builder
     */
    public Builder clientAuth(ClientAuth clientAuth) {
      this.clientAuth = java.util.Objects.requireNonNull(clientAuth, "clientAuth");
      return this;
    }

    /**
     * Reads the key material and builds the settings.
     *
     * @return the TLS settings
     * @throws IllegalArgumentException when the material is missing or cannot be read
     */
    public ServerTls build() {
      return new ServerTls(material.serverContext(clientAuth));
    }
  }
}
