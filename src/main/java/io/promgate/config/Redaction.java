package io.promgate.config;

import io.promgate.relabel.RelabelConfig;
import io.promgate.relabel.Relabeler;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place secrets are hidden before text leaves promgate: logs, error bodies, {@code /-/ready},
 * config errors, {@code --check-config}, and the web UI's /config page, which renders the effective
 * configuration through {@link #config} with every secret replaced by {@value #REDACTED} (as
 * Prometheus shows its secret config fields).
 *
 * <p>The snapshot is walked generically (records by their components), so a key added later is
 * shown without touching this class; that makes the secret test name-based and deliberately
 * broad: any component whose name mentions password, token, secret, credential, authorization or
 * bearer is redacted ({@code password_file} and {@code bearer_token_files} are read into such
 * components, so their contents are covered), {@code basic_auth_users} keeps its user names and
 * loses its bcrypt hashes. As a second net, any string shaped like a bcrypt hash is redacted and
 * any URL loses the password of its userinfo, wherever they appear.
 */
public final class Redaction {
  public static final String REDACTED = "<secret>";

  private static final Pattern SECRET_NAME =
      Pattern.compile("(?i).*(password|passwd|token|secret|credential|authorization|bearer).*");
  private static final Pattern BCRYPT = Pattern.compile("\\$2[abxy]?\\$\\d\\d\\$[./A-Za-z0-9]{20,}");
  private static final Pattern URL_USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)([^/@\\s?#\"']*)@");

  private Redaction() {}

  /**
   * {@code url} without the password of its userinfo ({@code http://user:pw@h} →
   * {@code http://user:<secret>@h}, as Go's {@code url.Redacted()}); a userinfo without a password,
   * which may itself be a token, is replaced whole. Any text is accepted: every URL in it is
   * redacted, so error messages that embed one pass through too; other text is unchanged.
   */
  public static String url(String url) {
    if (url == null || url.indexOf('@') < 0) {
      return url;
    }
    return URL_USERINFO.matcher(url).replaceAll(m -> {
      String userinfo = m.group(2);
      int colon = userinfo.indexOf(':');
      String shown = colon < 0 ? REDACTED : userinfo.substring(0, colon) + ":" + REDACTED;
      return Matcher.quoteReplacement(m.group(1) + shown + "@");
    });
  }

  /** {@link #url(String)} for a parsed URI. */
  public static String url(URI uri) {
    return uri == null ? null : url(uri.toString());
  }

  /**
   * Whether a config key (its full dotted path, or the last key) holds a secret whose value must
   * never be echoed in a config error: passwords, tokens, bearer tokens and their files,
   * basic_auth_users' hashes.
   */
  public static boolean secretKey(String path) {
    String p = path.toLowerCase(Locale.ROOT);
    return SECRET_NAME.matcher(p).matches() || p.contains("basic_auth_users");
  }

  /** Any free text (error messages, values) with URL passwords and bcrypt hashes removed. */
  public static String text(String s) {
    return BCRYPT.matcher(url(s)).replaceAll(REDACTED);
  }

  /** The effective configuration as YAML-like text (keys snake_case, defaults filled in), secrets redacted. */
  public static String config(PromgateConfig c) {
    StringBuilder out = new StringBuilder(4096);
    out.append("# ").append(text(c.source())).append('\n');
    for (RecordComponent rc : PromgateConfig.class.getRecordComponents()) {
      switch (rc.getName()) {
        case "source" -> {}
        // Sections that sit one level down in promgate.yml.
        case "externalLabels" -> {
          out.append("global:\n");
          field(out, 2, "external_labels", value(c, rc), false);
        }
        case "influxdb" -> {
          out.append("storage:\n");
          field(out, 2, "influxdb", value(c, rc), false);
        }
        default -> field(out, 0, snake(rc.getName()), value(c, rc), false);
      }
    }
    return out.toString();
  }

  private static Object value(Record r, RecordComponent rc) {
    try {
      return rc.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      return "<unreadable: " + e.getClass().getSimpleName() + ">";
    }
  }

  private static void field(StringBuilder out, int indent, String key, Object v, boolean secret) {
    boolean s = secret || SECRET_NAME.matcher(key).matches();
    indent(out, indent).append(key).append(':');
    if (key.equals("basic_auth_users") && v instanceof Map<?, ?> users) {
      if (users.isEmpty()) {
        out.append(" {}\n");
        return;
      }
      out.append('\n');
      for (Object user : new TreeMap<>(users).keySet()) {
        indent(out, indent + 2).append(quote(text(String.valueOf(user)))).append(": ").append(quote(REDACTED)).append('\n');
      }
      return;
    }
    block(out, indent, v, s);
  }

  /** Writes {@code v} after "key:" (inline scalar or nested block). */
  private static void block(StringBuilder out, int indent, Object v, boolean secret) {
    if (v instanceof Relabeler rl) {
      v = rl.configs();
    }
    if (v instanceof Record r) {
      RecordComponent[] comps = r.getClass().getRecordComponents();
      if (comps.length == 0) {
        out.append(" {}\n");
        return;
      }
      out.append('\n');
      for (RecordComponent rc : comps) {
        field(out, indent + 2, snake(rc.getName()), value(r, rc), secret);
      }
    } else if (v instanceof RelabelConfig rule) {
      out.append('\n');
      field(out, indent + 2, "source_labels", rule.sourceLabels(), secret);
      field(out, indent + 2, "separator", rule.separator(), secret);
      field(out, indent + 2, "regex", rule.regex(), secret);
      field(out, indent + 2, "modulus", rule.modulus(), secret);
      field(out, indent + 2, "target_label", rule.targetLabel(), secret);
      field(out, indent + 2, "replacement", rule.replacement(), secret);
      field(out, indent + 2, "action", rule.action().yamlName(), secret);
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        out.append(" {}\n");
        return;
      }
      out.append('\n');
      for (Map.Entry<?, ?> e : new TreeMap<Object, Object>(m).entrySet()) {
        indent(out, indent + 2).append(quote(text(String.valueOf(e.getKey())))).append(':');
        block(out, indent + 2, e.getValue(), secret || SECRET_NAME.matcher(String.valueOf(e.getKey())).matches());
      }
    } else if (v instanceof Collection<?> list) {
      if (list.isEmpty()) {
        out.append(" []\n");
        return;
      }
      out.append('\n');
      for (Object item : list) {
        indent(out, indent + 2).append("-");
        block(out, indent + 2, item, secret);
      }
    } else {
      out.append(' ').append(scalar(v, secret)).append('\n');
    }
  }

  private static String scalar(Object v, boolean secret) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      return v.toString();
    }
    if (secret) {
      return String.valueOf(v).isEmpty() ? "\"\"" : quote(REDACTED);
    }
    if (v instanceof Duration d) {
      return duration(d);
    }
    if (v instanceof Enum<?> e) {
      return e.name().toLowerCase(Locale.ROOT);
    }
    if (v instanceof URI u) {
      return quote(url(u.toString()));
    }
    if (v instanceof Number n) {
      return n.toString();
    }
    return quote(text(String.valueOf(v)));
  }

  /** Prometheus's duration text: 1h30m, 10s, 500ms, 0s. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    StringBuilder r = new StringBuilder();
    long[] mults = {86_400_000, 3_600_000, 60_000, 1000, 1};
    String[] units = {"d", "h", "m", "s", "ms"};
    for (int i = 0; i < mults.length; i++) {
      long n = ms / mults[i];
      if (n > 0) {
        r.append(n).append(units[i]);
        ms -= n * mults[i];
      }
    }
    return r.toString();
  }

  /** A YAML double-quoted scalar (JSON escaping is valid YAML). */
  private static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** The YAML key of a record component: snake_case, where the Java name differs from the key. */
  private static String snake(String camel) {
    switch (camel) {
      case "writeRelabel":
        return "write_relabel_configs";
      case "tls":
        return "tls_config";
      default:
        break;
    }
    StringBuilder b = new StringBuilder(camel.length() + 4);
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (Character.isUpperCase(c)) {
        b.append('_').append(Character.toLowerCase(c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static StringBuilder indent(StringBuilder out, int n) {
    for (int i = 0; i < n; i++) {
      out.append(' ');
    }
    return out;
  }
}
