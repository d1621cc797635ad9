package io.conduit;

import java.net.SocketAddress;
import java.security.Principal;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who is on the other end of a server call: the client's address and, over TLS, its session and
 * certificates. Service code and interceptors read it from the call's context.
 *
 * <pre>{@code
 * Peer peer = Peer.current();
 * if (peer.principal() == null) {
 *   throw Status.UNAUTHENTICATED.withDescription("client certificate required").asException();
 * }
 * }</pre>
 *
 * @param remoteAddress the client's address
 * @param sslSession the TLS session, or {@code null} on a plaintext connection
 */
public record Peer(SocketAddress remoteAddress, SSLSession sslSession) {

  /** The key under which a server puts the peer into every call's {@link Context}. */
  public static final Context.Key<Peer> KEY = Context.Key.of("conduit.peer");

  /** {@return the peer of the server call running on this thread, or {@code null} outside one} */
  public static Peer current() {
    return KEY.get();
  }

  /** {@return whether the connection is TLS} */
  public boolean isSecure() {
    return sslSession != null;
  }

  /**
   * The client's verified certificate chain, its own certificate first; empty without TLS or when
   * the client sent no certificate.
   *
   * @return the certificate chain, or an empty list
   */
  public List<X509Certificate> certificates() {
    if (sslSession == null) {
      return List.of();
    }
    try {
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate c : sslSession.getPeerCertificates()) {
        if (c instanceof X509Certificate x509) {
          chain.add(x509);
        }
      }
      return List.copyOf(chain);
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  /**
   * {@return the subject of the client's certificate (mutual TLS), or {@code null} when there is
   * none}
   */
  public Principal principal() {
    if (sslSession == null) {
      return null;
    }
    try {
      return sslSession.getPeerPrincipal();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
