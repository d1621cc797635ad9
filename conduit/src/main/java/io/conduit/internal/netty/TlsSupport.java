package io.conduit.internal.netty;

import io.conduit.Context;
import io.conduit.Peer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.AttributeKey;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for both sides: SSL contexts from key and trust material (JDK {@code SSLEngine}, ALPN
 * {@code h2}), the pipeline handlers that insist on HTTP/2 and turn handshake failures into
 * messages that name the cause, and the per-connection {@link Peer} for server calls.
 */
public final class TlsSupport {
  private static final System.Logger LOG = System.getLogger(TlsSupport.class.getName());

  /** The ALPN protocol id of HTTP/2 over TLS. */
  public static final String H2 = "h2";

  private static final String REJECTED = "the server rejected the client certificate";

  /** On client contexts: whether a client certificate is configured. */
  private static final AttributeKey<Boolean> HAS_CLIENT_KEY = AttributeKey.valueOf("conduit.hasClientKey");

  private static final AttributeKey<Context> CALL_CONTEXT = AttributeKey.valueOf("conduit.callContext");

  private static final ApplicationProtocolConfig ALPN = new ApplicationProtocolConfig(
      ApplicationProtocolConfig.Protocol.ALPN,
      ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
      ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
      H2);

  /** The ALPN protocol id of HTTP/1.1. */
  public static final String HTTP_1_1 = "http/1.1";

  /**
   * Servers also offer HTTP/1.1, after h2 (which clients that have it pick): a server with the
   * web protocols serves it, one without refuses the connection after the handshake as before.
   */
  private static final ApplicationProtocolConfig SERVER_ALPN = new ApplicationProtocolConfig(
      ApplicationProtocolConfig.Protocol.ALPN,
      ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
      ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
      H2, HTTP_1_1);

  private TlsSupport() {}

  /** Key and trust material as a builder collects it; turned into an {@link SslContext}. */
  public static final class Material {
    private Path certChain;
    private Path privateKey;
    private KeyManager keyManager;
    private Path trustPem;
    private TrustManager trustManager;

    public void keyPair(Path certChainPem, Path privateKeyPem) {
      this.certChain = java.util.Objects.requireNonNull(certChainPem, "certChainPem");
      this.privateKey = java.util.Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      this.keyManager = null;
    }

    public void keyStore(KeyStore keyStore, char[] password) {
      try {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, password);
        keyManager(kmf.getKeyManagers()[0]);
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot use the key store: " + e.getMessage(), e);
      }
    }

    public void keyManager(KeyManager km) {
      this.keyManager = java.util.Objects.requireNonNull(km, "keyManager");
      this.certChain = null;
      this.privateKey = null;
    }

    public void trustPem(Path caCerts) {
      this.trustPem = java.util.Objects.requireNonNull(caCerts, "caCertsPem");
      this.trustManager = null;
    }

    public void trustStore(KeyStore trustStore) {
      try {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore);
        trustManager(tmf.getTrustManagers()[0]);
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot use the trust store: " + e.getMessage(), e);
      }
    }

    public void trustManager(TrustManager tm) {
      this.trustManager = java.util.Objects.requireNonNull(tm, "trustManager");
      this.trustPem = null;
    }

    private boolean hasKey() {
      return keyManager != null || certChain != null;
    }

    /** The server's context, asking for client certificates per {@code auth}. */
    public TlsContext serverContext(io.conduit.ServerTls.ClientAuth auth) {
      return new TlsContext(serverContext(switch (auth) {
        case NONE -> ClientAuth.NONE;
        case OPTIONAL -> ClientAuth.OPTIONAL;
        case REQUIRE -> ClientAuth.REQUIRE;
      }));
    }

    private SslContext serverContext(ClientAuth clientAuth) {
      if (!hasKey()) {
        throw new IllegalArgumentException("server TLS needs a certificate and key: call keyPair, keyStore or keyManager");
      }
      SslContextBuilder b = keyManager != null
          ? SslContextBuilder.forServer(keyManager)
          : SslContextBuilder.forServer(file(certChain), file(privateKey));
      return build(trust(b).clientAuth(clientAuth), SERVER_ALPN);
    }

    public TlsContext clientContext() {
      return new TlsContext(clientSslContext());
    }

    private SslContext clientSslContext() {
      SslContextBuilder b = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS");
      if (keyManager != null) {
        b.keyManager(keyManager);
      } else if (certChain != null) {
        b.keyManager(file(certChain), file(privateKey));
      }
      SslContext context = build(trust(b), ALPN);
      context.attributes().attr(HAS_CLIENT_KEY).set(hasKey());
      return context;
    }

    private SslContextBuilder trust(SslContextBuilder b) {
      if (trustManager != null) {
        b.trustManager(trustManager);
      } else if (trustPem != null) {
        b.trustManager(file(trustPem));
      }
      return b;
    }

    private static java.io.File file(Path p) {
      if (!Files.isReadable(p)) {
        throw new IllegalArgumentException("cannot read " + p);
      }
      return p.toFile();
    }

    private static SslContext build(SslContextBuilder b, ApplicationProtocolConfig alpn) {
      try {
        return b.sslProvider(SslProvider.JDK)
            .protocols("TLSv1.3", "TLSv1.2")
            .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
            .applicationProtocolConfig(alpn)
            .build();
      } catch (SSLException | RuntimeException e) {
        throw new IllegalArgumentException("invalid TLS key or trust material: " + e.getMessage(), e);
      }
    }
  }

  // ---------------------------------------------------------------- server

  /**
   * Puts TLS in front of a new server connection; the HTTP/2 handler comes after. {@code http1}:
   * the connection may also be HTTP/1.1 (the web protocols are on), whether negotiated or not.
   */
  public static void addServerTls(Channel ch, SslContext context, long handshakeTimeoutNanos,
      boolean http1) {
    SslHandler ssl = context.newHandler(ch.alloc());
    // Netty's own timer, on real time: ConnectionGuard enforces the same limit (handshake and
    // preface) on the server's clock, so a fake clock still sees it.
    ssl.setHandshakeTimeout(handshakeTimeoutNanos, TimeUnit.NANOSECONDS);
    ch.pipeline().addLast(ssl, new ServerTlsHandler(ssl, http1));
  }

  /**
   * The context server calls on {@code ch} run under: it carries the {@link Peer}. Made once per
   * connection, on its event loop, after the handshake.
   */
  public static Context callContext(Channel ch) {
    Context c = ch.attr(CALL_CONTEXT).get();
    if (c == null) {
      SslHandler ssl = ch.pipeline().get(SslHandler.class);
      c = Context.ROOT.withValue(Peer.KEY,
          new Peer(EventLoops.fromNetty(ch.remoteAddress()),
              ssl == null ? null : ssl.engine().getSession()));
      ch.attr(CALL_CONTEXT).set(c);
    }
    return c;
  }

  /** Refuses clients that do not negotiate h2; keeps handshake failures out of the warnings. */
  private static final class ServerTlsHandler extends ChannelDuplexHandler {
    private final SslHandler ssl;
    private final boolean http1;

    ServerTlsHandler(SslHandler ssl, boolean http1) {
      this.ssl = ssl;
      this.http1 = http1;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
          LOG.log(Level.DEBUG, () -> "TLS handshake with " + ctx.channel().remoteAddress()
              + " failed: " + describe(done.cause(), null, false));
          ctx.close();
          return;
        }
        // With HTTP/1.1 allowed, the protocol detector after this tells them apart.
        if (!H2.equals(ssl.applicationProtocol()) && !http1) {
          LOG.log(Level.DEBUG, () -> "refusing " + ctx.channel().remoteAddress()
              + ": it did not negotiate HTTP/2 with TLS ALPN 'h2'");
          ctx.close();
          return;
        }
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (find(cause, SSLException.class) != null) {
        LOG.log(Level.DEBUG, () -> "TLS error from " + ctx.channel().remoteAddress() + ": "
            + describe(cause, null, false));
        ctx.close();
        return;
      }
      ctx.fireExceptionCaught(cause);
    }
  }

  // ---------------------------------------------------------------- client

  /**
   * The handler to give a client connection's bootstrap: {@code http2} alone for plaintext,
   * otherwise TLS to {@code host} (SNI and hostname verification) first.
   */
  public static ChannelHandler clientHandler(SslContext context, String host, int port,
      ChannelHandler http2) {
    if (context == null) {
      return http2;
    }
    return new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        SslHandler ssl = context.newHandler(ch.alloc(), host, port);
        ch.pipeline().addLast(ssl, new ClientTlsHandler(ssl, host,
            Boolean.TRUE.equals(context.attributes().attr(HAS_CLIENT_KEY).get())), http2);
      }
    };
  }

  /** The host part of an authority ({@code host:port}, {@code [v6]:port}, {@code host}). */
  public static String hostOf(String authority) {
    if (authority.startsWith("[")) {
      int end = authority.indexOf(']');
      return end < 0 ? authority : authority.substring(1, end);
    }
    int colon = authority.lastIndexOf(':');
    return colon >= 0 && authority.indexOf(':') == colon ? authority.substring(0, colon) : authority;
  }

  /** A TLS failure described for people; the client's connection fails with this message. */
  public static final class TlsFailure extends SSLException {
    private static final long serialVersionUID = 1L;

    TlsFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Insists on h2 and explains handshake failures (and alerts the server sends after it). */
  private static final class ClientTlsHandler extends ChannelDuplexHandler {
    private final SslHandler ssl;
    private final String host;
    private final boolean hasClientKey;

    ClientTlsHandler(SslHandler ssl, String host, boolean hasClientKey) {
      this.ssl = ssl;
      this.host = host;
      this.hasClientKey = hasClientKey;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
          fail(ctx, done.cause());
          return;
        }
        if (!H2.equals(ssl.applicationProtocol())) {
          ctx.fireExceptionCaught(new TlsFailure("TLS with " + host + " failed: the server did "
              + "not negotiate HTTP/2 with ALPN 'h2' (negotiated: " + ssl.applicationProtocol()
              + "); is it a gRPC server with ALPN support?", null));
          ctx.close();
          return;
        }
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!(cause instanceof TlsFailure) && find(cause, SSLException.class) != null) {
        fail(ctx, cause);
        return;
      }
      ctx.fireExceptionCaught(cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
      String why = describe(cause, host, true);
      if (why.startsWith(REJECTED)) {
        // Only this side knows what it sent: nothing, or a certificate past its date.
        why = explainRejection(why);
      }
      ctx.fireExceptionCaught(new TlsFailure("TLS with " + host + " failed: " + why, cause));
      ctx.close();
    }

    private String explainRejection(String why) {
      java.security.cert.Certificate[] sent = null;
      javax.net.ssl.SSLSession session = ssl.engine().getHandshakeSession();
      if (session == null) {
        session = ssl.engine().getSession();
      }
      if (session != null) {
        sent = session.getLocalCertificates();
      }
      if ((sent == null || sent.length == 0) && hasClientKey) {
        return REJECTED + ": it requires a certificate from a CA it trusts, and ours is not "
            + "issued by one it accepts" + why.substring(why.indexOf(':'));
      }
      if (sent == null || sent.length == 0) {
        return "the server requires a client certificate, and none was sent (missing client "
            + "certificate)" + why.substring(why.indexOf(':'));
      }
      if (sent[0] instanceof java.security.cert.X509Certificate mine) {
        try {
          mine.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
          return "the server rejected the client certificate: it has expired or is not yet valid ("
              + e.getMessage() + ")";
        }
      }
      return why;
    }
  }

  // ---------------------------------------------------------------- messages

  /**
   * What went wrong, in words: names the usual causes (untrusted CA, expired certificate, host
   * name mismatch, missing or rejected client certificate, no ALPN) before the JDK's message.
   */
  static String describe(Throwable cause, String host, boolean client) {
    String detail = rootMessage(cause);
    String all = messages(cause).toLowerCase(Locale.ROOT);
    String peer = client ? "the server's" : "the client's";
    String why;
    if (find(cause, SslHandshakeTimeoutException.class) != null) {
      why = "the TLS handshake timed out";
    } else if (find(cause, CertificateExpiredException.class) != null) {
      why = peer + " certificate has expired";
    } else if (find(cause, CertificateNotYetValidException.class) != null) {
      why = peer + " certificate is not yet valid";
    } else if (all.contains("certificate_required")) {
      why = "the server requires a client certificate, and none was sent (missing client certificate)";
    } else if (all.contains("alert: certificate_expired")) {
      why = "the server rejected the client certificate: it has expired";
    } else if (all.contains("alert: bad_certificate") || all.contains("alert: certificate_unknown")
        || all.contains("alert: unknown_ca") || all.contains("alert: unsupported_certificate")) {
      why = REJECTED + " (not signed by a CA it trusts?)";
    } else if (all.contains("no_application_protocol")) {
      why = "no common ALPN protocol: HTTP/2 ('h2') was not negotiated";
    } else if (all.contains("no subject alternative") || all.contains("no name matching")) {
      why = peer + " certificate does not match the name '" + host + "'";
    } else if (all.contains("pkix path") || all.contains("certification path")
        || all.contains("signature check failed") || all.contains("certpathvalidator")) {
      why = peer + " certificate is not signed by a trusted CA (wrong CA?)";
    } else if (all.contains("unrecognized ssl message") || all.contains("not an ssl/tls record")) {
      why = "the peer does not speak TLS (a plaintext server?)";
    } else if (all.contains("closed while ssl/tls handshake")) {
      why = "the peer closed the connection during the handshake";
    } else {
      why = "handshake failed";
    }
    return detail == null ? why : why + ": " + detail;
  }

  private static String rootMessage(Throwable t) {
    String msg = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null && !(c instanceof TlsFailure)) {
        msg = c.getMessage();
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return msg;
  }

  private static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
      if (c.getCause() == c) {
        break;
      }
    }
    return sb.toString();
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
