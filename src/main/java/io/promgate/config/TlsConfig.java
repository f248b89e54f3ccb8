package io.promgate.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prometheus's {@code tls_config} for promgate's outbound connections (InfluxDB, upstreams):
 * {@code ca_file}, {@code cert_file}, {@code key_file}, {@code server_name},
 * {@code insecure_skip_verify}. Files must exist when the config is loaded.
 */
public record TlsConfig(String caFile, String certFile, String keyFile, String serverName, boolean insecureSkipVerify) {
  public static final TlsConfig NONE = new TlsConfig("", "", "", "", false);

  public static TlsConfig read(YamlTree t) {
    TlsConfig c = new TlsConfig(
        file(t, "ca_file"), file(t, "cert_file"), file(t, "key_file"),
        t.string("server_name", ""), t.bool("insecure_skip_verify", false));
    if (c.certFile.isEmpty() != c.keyFile.isEmpty()) {
      t.error(c.certFile.isEmpty() ? "cert_file" : "key_file", "cert_file and key_file must be set together");
    }
    t.rejectUnknownKeys();
    return c;
  }

  static String file(YamlTree t, String key) {
    String f = t.string(key, "");
    if (!f.isEmpty() && !Files.isReadable(Path.of(f))) {
      t.error(key, "cannot read file \"" + f + "\"");
    }
    return f;
  }

  public boolean isSet() {
    return !equals(NONE);
  }
}
