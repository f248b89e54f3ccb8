package io.promgate;

import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.config.WebConfig;
import io.promgate.config.YamlTree;
import io.promgate.web.ClientCertificates;
import io.promgate.web.RequestTarget;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * Command line, with the flag names Prometheus uses:
 *
 * <pre>
 * java -jar quarkus-run.jar [--config.file=promgate.yml] [--web.listen-address=0.0.0.0:9201]
 *                           [--web.enable-lifecycle] [--check-config]
 * </pre>
 *
 * Flags become Quarkus config properties before Quarkus starts, so containers can set the same
 * through the environment instead ({@code PROMGATE_CONFIG_FILE}, {@code QUARKUS_HTTP_PORT}, ...).
 */
@QuarkusMain
public final class Main {
  static final String USAGE =
      """
      usage: promgate [--config.file=FILE] [--web.listen-address=[HOST]:PORT] [--web.enable-lifecycle]
                      [--web.shutdown-timeout=25s] [--web.enable-h2c] [--check-config]
             promgate check config FILE...
        --config.file           promgate configuration file (default: promgate.yml if present, else defaults)
        --web.listen-address    address to listen on for HTTP (default: 0.0.0.0:9201)
        --web.enable-lifecycle  enable POST /-/reload and /-/quit (SIGHUP always reloads)
        --web.shutdown-timeout  on SIGTERM: refuse new requests (503), let those in flight finish
                                within this bound, then exit (default 25s)
        --web.enable-h2c        accept HTTP/2 over plain TCP (h2c upgrade, prior knowledge); off by default
        --check-config          validate the configuration file and exit (0 valid, 1 invalid)
      """;

  Main() {}

  public static void main(String... args) {
    if (args.length >= 2 && args[0].equals("check") && args[1].equals("config")) {
      System.exit(checkConfig(Arrays.copyOfRange(args, 2, args.length)));
    }
    String configFile = null;
    boolean check = false;
    for (String arg : args) {
      String a = arg.startsWith("--") ? arg : "-" + arg;
      if (a.startsWith("--config.file=")) {
        configFile = a.substring("--config.file=".length());
      } else if (a.startsWith("--web.listen-address=")) {
        String addr = a.substring("--web.listen-address=".length());
        int colon = addr.lastIndexOf(':');
        if (colon < 0) {
          fail("--web.listen-address must be [HOST]:PORT, got \"" + addr + "\"");
        }
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
          host = host.substring(1, host.length() - 1);
        }
        System.setProperty("quarkus.http.host", host.isEmpty() ? "0.0.0.0" : host);
        System.setProperty("quarkus.http.port", addr.substring(colon + 1));
      } else if (a.equals("--web.enable-lifecycle")) {
        System.setProperty("promgate.web.enable-lifecycle", "true");
      } else if (a.equals("--web.enable-h2c")) {
        System.setProperty("promgate.web.enable-h2c", "true");
      } else if (a.startsWith("--web.shutdown-timeout=")) {
        String d = a.substring("--web.shutdown-timeout=".length());
        Duration timeout = YamlTree.parseDuration(d);
        if (timeout == null) {
          fail("--web.shutdown-timeout must be a duration like 25s, got \"" + d + "\"");
        }
        System.setProperty("quarkus.shutdown.timeout", timeout.toMillis() + "ms");
      } else if (a.equals("--check-config")) {
        check = true;
      } else if (a.equals("--help") || a.equals("-h")) {
        System.out.print(USAGE);
        System.exit(0);
      } else {
        fail("unknown flag \"" + arg + "\"");
      }
    }
    if (configFile != null) {
      System.setProperty("promgate.config-file", configFile);
    } else {
      configFile = System.getenv("PROMGATE_CONFIG_FILE");
    }
    try {
      var cfg = Gateway.loadConfig(Optional.ofNullable(configFile));
      if (check) {
        System.out.println("SUCCESS: " + cfg.source() + " is valid promgate config file syntax");
        System.exit(0);
      }
      serveTls(cfg.web());
    } catch (ConfigException e) {
      System.err.println((check ? "FAILED: " : "error loading config ") + e.getMessage());
      System.exit(1);
    }
    // Raw selectors in URLs, as Prometheus accepts them: web.RequestTarget checks what Go checks.
    System.setProperty(RequestTarget.DISABLE_QUARKUS_URI_VALIDATION, "true");
    Quarkus.run(args);
  }

  /** The TLS registry configuration that promgate's HTTPS server uses, reloaded on reload. */
  public static final String TLS_NAME = "promgate";

  /**
   * web.tls_server_config: HTTPS only, on the listen address's port. Set up through Quarkus's TLS
   * registry before start so that a reload can re-read the same files (certificate rotation);
   * changing the file paths needs a restart.
   */
  private static void serveTls(WebConfig web) {
    if (!web.tls()) {
      return;
    }
    String p = "quarkus.tls." + TLS_NAME + ".";
    System.setProperty(p + "key-store.pem.0.cert", web.certFile());
    System.setProperty(p + "key-store.pem.0.key", web.keyFile());
    if (!web.clientCaFile().isEmpty()) {
      System.setProperty(p + "trust-store.pem.certs", web.clientCaFile());
      System.setProperty(ClientCertificates.REQUIRED_PROPERTY, "true");
    }
    System.setProperty("quarkus.http.tls-configuration-name", TLS_NAME);
    System.setProperty("quarkus.http.ssl-port", System.getProperty("quarkus.http.port", "9201"));
    System.setProperty("quarkus.http.insecure-requests", "disabled");
  }

  /** {@code promgate check config FILE...}: like {@code promtool check config}; 0 when all are valid. */
  static int checkConfig(String... files) {
    if (files.length == 0) {
      System.err.println("usage: promgate check config FILE...");
      return 2;
    }
    int rc = 0;
    for (String f : files) {
      try {
        PromgateConfig.load(Path.of(f));
        System.out.println("SUCCESS: " + f + " is valid promgate config file syntax");
      } catch (ConfigException e) {
        System.out.println("FAILED: " + e.getMessage());
        rc = 1;
      }
    }
    return rc;
  }

  private static void fail(String message) {
    System.err.println("promgate: " + message + "\n" + USAGE);
    System.exit(2);
  }
}
