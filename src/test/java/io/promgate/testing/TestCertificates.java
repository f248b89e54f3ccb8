package io.promgate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away CA and certificates signed by it, written as PEM files, for tests with real TLS
 * (promgate's HTTPS server, Prometheus's tls_config and {@code --web.config.file}, InfluxDB's
 * HTTPS), and the client side of such a test ({@link #trusting}). Made with BouncyCastle in the
 * test, so no key material is checked in.
 */
public final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final Path dir;
  private final KeyPair caKeys;
  private final X509Certificate ca;

  private TestCertificates(Path dir, KeyPair caKeys, X509Certificate ca) {
    this.dir = dir;
    this.caKeys = caKeys;
    this.ca = ca;
  }

  public static TestCertificates create(Path dir) {
    try {
      KeyPair keys = rsa();
      X500Name name = new X500Name("CN=promgate test CA");
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIAL.incrementAndGet()),
          new Date(System.currentTimeMillis() - 60_000), new Date(System.currentTimeMillis() + 86_400_000L), name, keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      X509Certificate ca = sign(b, keys);
      TestCertificates c = new TestCertificates(dir, keys, ca);
      c.writePem(c.caFile(), ca);
      return c;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public Path caFile() {
    return dir.resolve("ca.crt");
  }

  /**
   * Issues a certificate for 127.0.0.1, localhost and {@code moreDnsNames}, good for a server and
   * a client alike; writes {@code <name>.crt} and {@code <name>.key} and returns them in that order.
   */
  public Path[] issue(String name, String... moreDnsNames) {
    try {
      KeyPair keys = rsa();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, BigInteger.valueOf(SERIAL.incrementAndGet()),
          new Date(System.currentTimeMillis() - 60_000), new Date(System.currentTimeMillis() + 86_400_000L),
          new X500Name("CN=" + name), keys.getPublic());
      List<GeneralName> names = new ArrayList<>(List.of(
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")));
      for (String dns : moreDnsNames) {
        names.add(new GeneralName(GeneralName.dNSName, dns));
      }
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
      X509Certificate cert = sign(b, caKeys);
      Path crt = dir.resolve(name + ".crt");
      Path key = dir.resolve(name + ".key");
      writePem(crt, cert);
      writePem(key, keys.getPrivate());
      return new Path[] {crt, key};
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
  }

  private void writePem(Path file, Object o) {
    try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client TLS context that trusts the CA in {@code caFile} (PEM) and nothing else. */
  public static SSLContext trusting(Path caFile) {
    return trusting(caFile, null);
  }

  /**
   * As {@link #trusting(Path)}, presenting the client certificate {@code clientCertAndKey} (PEM
   * certificate and key, as {@link #issue} returns them) when not null.
   */
  public static SSLContext trusting(Path caFile, Path[] clientCertAndKey) {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      try (InputStream in = Files.newInputStream(caFile)) {
        ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      KeyManager[] keys = null;
      if (clientCertAndKey != null) {
        KeyStore identity = KeyStore.getInstance("PKCS12");
        identity.load(null, null);
        Certificate cert;
        try (InputStream in = Files.newInputStream(clientCertAndKey[0])) {
          cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        PrivateKey key;
        try (PEMParser pem = new PEMParser(Files.newBufferedReader(clientCertAndKey[1]))) {
          Object o = pem.readObject();
          JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
          key = o instanceof PEMKeyPair pair ? converter.getKeyPair(pair).getPrivate()
              : converter.getPrivateKey((PrivateKeyInfo) o);
        }
        identity.setKeyEntry("client", key, new char[0], new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(identity, new char[0]);
        keys = kmf.getKeyManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
