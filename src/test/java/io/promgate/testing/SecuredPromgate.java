package io.promgate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * The packaged promgate behind TLS (a server certificate from a fresh {@link TestCertificates}
 * CA), basic auth ({@link #USER} / {@link #PASSWORD}, configured as a bcrypt hash) and a bearer
 * token ({@link #TOKEN}), storing into one database of the shared InfluxDB.
 */
public final class SecuredPromgate implements AutoCloseable {
  public static final String USER = "prometheus";
  public static final String PASSWORD = "s3cret";
  public static final String TOKEN = "token-123";

  private final TestCertificates certs;
  private final PromgateProcess process;

  private SecuredPromgate(TestCertificates certs, PromgateProcess process) {
    this.certs = certs;
    this.process = process;
  }

  /** Starts it on {@code database} of {@link RealInfluxDb#shared()}, with promgate's {@code extraFlags}. */
  public static SecuredPromgate start(String database, String... extraFlags) {
    Path dir;
    try {
      dir = Files.createTempDirectory("promgate-tls");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TestCertificates certs = TestCertificates.create(dir);
    Path[] server = certs.issue("promgate");
    String hash = OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), new byte[16], 10);
    PromgateProcess p = PromgateProcess.start("""
            storage: {influxdb: {url: '%s', database: %s}}
            web:
              tls_server_config: {cert_file: '%s', key_file: '%s'}
              basic_auth_users: {%s: '%s'}
              bearer_tokens: [%s]
            """.formatted(RealInfluxDb.shared().url(), database, server[0], server[1], USER, hash, TOKEN), extraFlags);
    return new SecuredPromgate(certs, p);
  }

  public PromgateProcess process() {
    return process;
  }

  /** promgate's base URL, https. */
  public String https() {
    return process.url().replace("http://", "https://");
  }

  /** The CA that signed promgate's certificate (PEM). */
  public Path caFile() {
    return certs.caFile();
  }

  /** A client TLS context that trusts promgate's certificate. */
  public SSLContext trusting() {
    return TestCertificates.trusting(certs.caFile());
  }

  @Override
  public void close() {
    process.close();
  }
}
