package io.promgate.relabel;

import io.promgate.model.Labels;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of relabel rules compiled once and applied to label sets, with Prometheus semantics
 * ({@code model/relabel/relabel.go}, v2.42, checked against the 2.42 binary; one later fix is
 * noted in {@link RelabelAction#REPLACE}): rules run in order, each on the result of the previous
 * one, and the first keep/drop-style rule that rejects the set drops it.
 *
 * <p>Immutable and thread-safe; a hot reload builds a new instance. Each thread gets its own
 * {@link Scratch}, so {@link #apply} allocates only for the labels it actually changes and returns
 * the input itself when nothing changed.
 */
public final class Relabeler {
  private static final Relabeler EMPTY = new Relabeler(List.of());

  private final List<RelabelConfig> configs;
  private final Rule[] rules;
  private final ThreadLocal<Scratch> scratch;

  private Relabeler(List<RelabelConfig> configs) {
    this.configs = List.copyOf(configs);
    this.rules = new Rule[this.configs.size()];
    int spanLength = 0;
    for (int i = 0; i < rules.length; i++) {
      rules[i] = new Rule(this.configs.get(i), i);
      spanLength = Math.max(spanLength, rules[i].spanLength);
    }
    int maxSpans = spanLength;
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(rules.length, maxSpans));
  }

  public static Relabeler of(List<RelabelConfig> configs) {
    return configs.isEmpty() ? EMPTY : new Relabeler(configs);
  }

  /**
   * Relabels {@code in}: the resulting set, {@code in} itself when no rule changed anything, or
   * null when a rule dropped it.
   */
  public Labels apply(Labels in) {
    if (rules.length == 0) {
      return in;
    }
    Scratch s = scratch.get();
    s.begin(in);
    for (Rule r : rules) {
      if (!r.action.apply(r, s)) {
        s.abandon();
        return null;
      }
    }
    return s.finish();
  }

  /**
   * One rule's effect, for debugging ("which rule dropped my target?"): the rule, its position,
   * and the label set after it, or null when it dropped the set (no later rule runs).
   */
  public record Step(int index, RelabelConfig rule, Labels before, Labels after) {
    public boolean dropped() {
      return after == null;
    }
  }

  /**
   * Applies the rules one at a time, recording the label set after each: exactly what
   * {@link #apply} computes (the same actions on the same scratch), but one {@link Step} per rule
   * up to and including the one that dropped the set. Allocates per rule; for the operator UI, not
   * the write path.
   */
  public List<Step> trace(Labels in) {
    List<Step> steps = new ArrayList<>(rules.length);
    Scratch s = scratch.get();
    Labels current = in;
    for (int i = 0; i < rules.length; i++) {
      Rule r = rules[i];
      s.begin(current);
      if (!r.action.apply(r, s)) {
        s.abandon();
        steps.add(new Step(i, configs.get(i), current, null));
        return steps;
      }
      Labels next = s.finish();
      steps.add(new Step(i, configs.get(i), current, next));
      current = next;
    }
    return steps;
  }

  public boolean isEmpty() {
    return rules.length == 0;
  }

  public List<RelabelConfig> configs() {
    return configs;
  }

  /**
   * Prometheus's hashmod: the MD5 of the UTF-8 bytes of {@code value}, bytes 8..15 read as a
   * big-endian <em>unsigned</em> 64-bit integer, modulo {@code modulus} (itself unsigned). Java's
   * {@code %} on the signed long would give a different (even negative) shard for half of all
   * values, hence {@link Long#remainderUnsigned}. The result is unsigned too: print it with
   * {@link Long#toUnsignedString(long)}, as the relabel action does, unpadded.
   */
  public static long hashmod(String value, long modulus) {
    if (modulus == 0) {
      throw new IllegalArgumentException("hashmod modulus must not be 0");
    }
    return unsignedHashmod(value, modulus);
  }

  /**
   * The unsigned 64-bit number hashmod reduces: {@code hashmod(v, m) ==
   * Long.remainderUnsigned(hash64(v), m)} for every modulus, so one hash serves every modulus
   * (resharding previews, rendezvous weights).
   */
  public static long hash64(CharSequence value) {
    return MD5.get().low64(value);
  }

  static long unsignedHashmod(CharSequence value, long modulus) {
    return Long.remainderUnsigned(MD5.get().low64(value), modulus);
  }

  private static final ThreadLocal<Md5> MD5 = ThreadLocal.withInitial(Md5::new);

  /** A reusable digest with its byte buffers, so hashing a label value allocates nothing. */
  private static final class Md5 {
    private final MessageDigest digest;
    private final byte[] hash = new byte[16];
    private byte[] utf8 = new byte[256];

    Md5() {
      try {
        digest = MessageDigest.getInstance("MD5");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java platform provides MD5", e);
      }
    }

    /** Bytes 8..15 of md5(utf8(value)), big-endian. */
    long low64(CharSequence value) {
      int n = encode(value);
      digest.update(utf8, 0, n);
      try {
        digest.digest(hash, 0, hash.length);
      } catch (DigestException e) {
        throw new IllegalStateException(e);
      }
      long x = 0;
      for (int i = 8; i < 16; i++) {
        x = (x << 8) | (hash[i] & 0xff);
      }
      return x;
    }

    /** UTF-8 into {@link #utf8}; a lone surrogate becomes '?', as in String.getBytes(UTF_8). */
    private int encode(CharSequence s) {
      int len = s.length();
      if (utf8.length < len * 3) {
        utf8 = new byte[len * 3];
      }
      byte[] b = utf8;
      int n = 0;
      for (int i = 0; i < len; i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          b[n++] = (byte) c;
        } else if (c < 0x800) {
          b[n++] = (byte) (0xc0 | (c >> 6));
          b[n++] = (byte) (0x80 | (c & 0x3f));
        } else if (Character.isSurrogate(c)) {
          if (Character.isHighSurrogate(c)
              && i + 1 < len
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(++i));
            b[n++] = (byte) (0xf0 | (cp >> 18));
            b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
            b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            b[n++] = (byte) (0x80 | (cp & 0x3f));
          } else {
            b[n++] = '?';
          }
        } else {
          b[n++] = (byte) (0xe0 | (c >> 12));
          b[n++] = (byte) (0x80 | ((c >> 6) & 0x3f));
          b[n++] = (byte) (0x80 | (c & 0x3f));
        }
      }
      return n;
    }
  }
}
