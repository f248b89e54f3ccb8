package io.promgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link Redaction}: every kind of secret promgate.yml can hold stays out of the rendered config. */
class RedactionTest {
  private static final String BCRYPT = "$2y$10$abcdefghijklmnopqrstuv1234567890ABCDEFGHIJKLMNOPQRSTU";

  @Test
  void url_userinfoWithPassword_passwordRedacted() {
    assertEquals("http://user:<secret>@host:1/p", Redaction.url("http://user:pw@host:1/p"));
    // A userinfo without a password may be a token: hidden whole.
    assertEquals("https://<secret>@h", Redaction.url("https://token@h"));
    assertEquals("http://host:1/p?q=a@b", Redaction.url("http://host:1/p?q=a@b"));
    assertEquals("no url here", Redaction.url("no url here"));
  }

  @Test
  void text_bcryptHashAndUrlInMessage_redacted() {
    assertEquals("user a: <secret> from http://u:<secret>@h", Redaction.text("user a: " + BCRYPT + " from http://u:p@h"));
  }

  @Test
  void config_everySecret_redactedAndTheRestShown() throws Exception {
    Path dir = Files.createTempDirectory("redaction");
    Path passwordFile = dir.resolve("pw");
    Files.writeString(passwordFile, "file-password-SECRET\n");
    Path tokenFile = dir.resolve("tok");
    Files.writeString(tokenFile, "file-token-SECRET\n");
    PromgateConfig c = PromgateConfig.parse("test.yml", """
        global: {external_labels: {gw: one}}
        storage:
          influxdb:
            url: http://admin:url-password-SECRET@127.0.0.1:8086
        web:
          basic_auth_users: {alice: '%s'}
          bearer_tokens: [inline-token-SECRET]
          bearer_token_files: [%s]
        federation:
          source: storage
          upstreams:
            - name: a
              url: http://127.0.0.1:9090
              basic_auth: {username: bob, password: upstream-password-SECRET}
            - name: b
              url: http://127.0.0.1:9091
              bearer_token: upstream-token-SECRET
            - name: c
              url: http://127.0.0.1:9092
              basic_auth: {username: carol, password_file: %s}
        sharding:
          modulus: 2
          http_sd_configs: [{url: 'http://sd:sd-url-SECRET@cmdb/targets'}]
        """.formatted(BCRYPT, tokenFile, passwordFile));

    String shown = Redaction.config(c);

    assertFalse(shown.contains("SECRET"), shown);
    assertFalse(shown.contains(BCRYPT.substring(7)), shown);
    assertTrue(shown.contains("\"alice\": \"<secret>\""), shown);
    // Credentials in storage.influxdb.url become its username/password (and leave the URL).
    assertTrue(shown.contains("url: \"http://127.0.0.1:8086\""), shown);
    assertTrue(shown.contains("username: \"admin\""), shown);
    assertTrue(shown.contains("username: \"bob\""), shown);
    assertTrue(shown.contains("bearer_token: \"<secret>\""), shown);
    assertTrue(shown.contains("global:\n  external_labels:\n    \"gw\": \"one\"\n"), shown);
    assertTrue(shown.contains("storage:\n  influxdb:\n"), shown);
    assertTrue(shown.contains("    timeout: 30s\n"), shown);
    assertTrue(shown.contains("    - \"<secret>\"\n"), shown);
  }

  @Test
  void config_emptySecrets_shownEmpty() throws Exception {
    String shown = Redaction.config(PromgateConfig.defaults());
    assertTrue(shown.contains("    password: \"\"\n"), shown);
    assertTrue(shown.contains("  bearer_tokens: []\n"), shown);
    assertFalse(shown.contains("<secret>"), shown);
  }
}
