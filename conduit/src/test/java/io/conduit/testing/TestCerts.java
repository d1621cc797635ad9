package io.conduit.testing;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates minted for tests (with BouncyCastle): two CAs and certificates they sign, valid or
 * expired. Each {@link Pair} has a PEM chain, a PKCS#8 PEM key and a PKCS#12 store. Made once per
 * JVM in a temporary directory.
 */
public final class TestCerts {
  public static final char[] PASSWORD = "changeit".toCharArray();
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A certificate with its key, in the forms the TLS builders take. */
  public record Pair(Path certChainPem, Path privateKeyPem, Path keyStorePath, String alias,
      PrivateKey key, List<X509Certificate> chain) {
    public KeyStore loadKeyStore() {
      try {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(alias, key, PASSWORD, chain.toArray(new X509Certificate[0]));
        return ks;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A CA: its certificate (PEM file) and key. */
  public record Ca(Path certPem, X509Certificate cert, PrivateKey key) {
    public KeyStore trustStore() {
      try {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", cert);
        return ks;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  public final Path dir;
  public final Ca ca;
  public final Ca otherCa;
  /** For localhost and 127.0.0.1, signed by {@link #ca}. */
  public final Pair server;
  /** For localhost, signed by {@link #otherCa}. */
  public final Pair serverOtherCa;
  /** For localhost, expired two days ago. */
  public final Pair serverExpired;
  /** Names only {@code foo.test.example}. */
  public final Pair serverOverride;
  /** CN=client-1, signed by {@link #ca}. */
  public final Pair client;
  /** CN=client-x, signed by {@link #otherCa}. */
  public final Pair clientOtherCa;
  /** CN=client-old, expired. */
  public final Pair clientExpired;

  private static TestCerts instance;

  public static synchronized TestCerts get() {
    if (instance == null) {
      try {
        instance = new TestCerts(Files.createTempDirectory("conduit-certs"));
      } catch (Exception e) {
        throw new IllegalStateException("cannot mint test certificates", e);
      }
    }
    return instance;
  }

  private TestCerts(Path dir) throws Exception {
    this.dir = dir;
    ca = newCa("ca", "CN=Conduit Test CA");
    otherCa = newCa("other-ca", "CN=Other Test CA");
    List<GeneralName> local = List.of(new GeneralName(GeneralName.dNSName, "localhost"),
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
    Instant now = Instant.now();
    Instant from = now.minus(Duration.ofHours(1));
    Instant to = now.plus(Duration.ofDays(30));
    Instant past = now.minus(Duration.ofDays(3));
    Instant expired = now.minus(Duration.ofDays(2));
    server = issue(ca, "server", "CN=server-a", local, from, to);
    serverOtherCa = issue(otherCa, "server-other", "CN=server-other", local, from, to);
    serverExpired = issue(ca, "server-expired", "CN=server-expired", local, past, expired);
    serverOverride = issue(ca, "server-override", "CN=foo",
        List.of(new GeneralName(GeneralName.dNSName, "foo.test.example")), from, to);
    client = issue(ca, "client", "CN=client-1", List.of(), from, to);
    clientOtherCa = issue(otherCa, "client-other", "CN=client-x", List.of(), from, to);
    clientExpired = issue(ca, "client-expired", "CN=client-old", List.of(), past, expired);
  }

  private static KeyPair newKeyPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private Ca newCa(String name, String dn) throws Exception {
    KeyPair kp = newKeyPair();
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(dn),
        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofDays(5))),
        Date.from(now.plus(Duration.ofDays(60))), new X500Name(dn), kp.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
    X509Certificate cert = sign(b, kp.getPrivate());
    Path pem = dir.resolve(name + ".pem");
    Files.writeString(pem, pem("CERTIFICATE", cert.getEncoded()));
    return new Ca(pem, cert, kp.getPrivate());
  }

  private Pair issue(Ca issuer, String name, String dn, List<GeneralName> names, Instant from,
      Instant to) throws Exception {
    KeyPair kp = newKeyPair();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer.cert(),
        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(from), Date.from(to),
        new X500Name(dn), kp.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.authorityKeyIdentifier, false,
        ext.createAuthorityKeyIdentifier(issuer.cert()));
    if (!names.isEmpty()) {
      b.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(new GeneralName[0])));
    }
    X509Certificate cert = sign(b, issuer.key());
    Path chain = dir.resolve(name + "-chain.pem");
    Files.writeString(chain, pem("CERTIFICATE", cert.getEncoded())
        + pem("CERTIFICATE", issuer.cert().getEncoded()));
    Path keyPem = dir.resolve(name + ".key");
    Files.writeString(keyPem, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
    List<X509Certificate> certs = new ArrayList<>(List.of(cert, issuer.cert()));
    Pair pair = new Pair(chain, keyPem, dir.resolve(name + ".p12"), name, kp.getPrivate(),
        List.copyOf(certs));
    try (OutputStream out = Files.newOutputStream(pair.keyStorePath())) {
      pair.loadKeyStore().store(out, PASSWORD);
    }
    return pair;
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

}
