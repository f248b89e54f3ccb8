package io.promgate.read;

import io.promgate.model.Labels;
import java.util.Comparator;

/**
 * Prometheus's series order ({@code labels.Compare}): label pairs in turn, name then value, the
 * shorter set first on a tie. Go compares strings byte by byte, i.e. in UTF-8 (= code point)
 * order, which differs from Java's UTF-16 {@link String#compareTo} when a supplementary character
 * meets one in U+E000..U+FFFF; streamed chunks must follow Go's order (SPEC §3).
 */
final class LabelOrder implements Comparator<Labels> {
  static final LabelOrder INSTANCE = new LabelOrder();

  private LabelOrder() {}

  @Override
  public int compare(Labels a, Labels b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = compareUtf8(a.name(i), b.name(i));
      if (c != 0) {
        return c;
      }
      c = compareUtf8(a.value(i), b.value(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** Code point order of two strings, which is the byte order of their UTF-8 forms. */
  static int compareUtf8(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        // Surrogates (D800..DFFF) stand for code points above FFFF: move them above E000..FFFF.
        if (x >= 0xD800 && y >= 0xD800) {
          return fix(x) - fix(y);
        }
        return x - y;
      }
    }
    return a.length() - b.length();
  }

  private static int fix(char c) {
    return c >= 0xE000 ? c - 0x800 : c + 0x2000;
  }
}
