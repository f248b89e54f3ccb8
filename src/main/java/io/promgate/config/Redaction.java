package io.promgate.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one place secrets are hidden before text leaves promgate (logs, error bodies, {@code /-/ready},
 * config errors, {@code --check-config}). Secrets: passwords, {@code *_file} contents, tokens,
 * bearer tokens, bcrypt hashes in {@code basic_auth_users}, userinfo in URLs.
 */
public final class Redaction {
  /** What a secret value is shown as, as Prometheus shows {@code <secret>} config fields. */
  public static final String SECRET = "<secret>";

  // scheme://userinfo@ anywhere in a text (URLs inside error messages, e.g. a client's exception)
  private static final Pattern USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s\"']*@");

  private Redaction() {}

  /**
   * {@code url} without its userinfo's password: {@code http://admin:pw@host:8086} becomes
   * {@code http://admin:xxxxx@host:8086} (Go's {@code url.Redacted()}); a userinfo without a
   * password (which may itself be a token) is replaced whole. Any text is accepted: every URL in it
   * is redacted, so error messages that embed one can be passed through too.
   */
  public static String url(String url) {
    if (url == null || url.indexOf('@') < 0) {
      return url;
    }
    var m = USERINFO.matcher(url);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String info = m.group().substring(m.group(1).length(), m.group().length() - 1);
      int colon = info.indexOf(':');
      String shown = colon >= 0 ? info.substring(0, colon) + ":xxxxx" : "xxxxx";
      m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(m.group(1) + shown + "@"));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** {@link #url(String)} for a parsed URI. */
  public static String url(java.net.URI uri) {
    return uri == null ? null : url(uri.toString());
  }

  /**
   * Whether a config key (its full dotted path, or the last key) holds a secret whose value must
   * never be echoed: passwords, tokens, bearer tokens and their files, basic_auth_users' hashes.
   */
  public static boolean secretKey(String path) {
    String p = path.toLowerCase(Locale.ROOT);
    return p.contains("password") || p.contains("token") || p.contains("basic_auth_users")
        || p.contains("secret") || p.contains("credentials");
  }
}
