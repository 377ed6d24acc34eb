package dev.tandem.spec.encoding;

import dev.tandem.spec.def.Type;
import dev.tandem.spec.expr.Conversions;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Canonical text forms and the total order of values. Both are used wherever a value is
 * printed, hashed, grouped or ordered, offline and online alike, so they exist only here.
 */
public final class Values {
  private static final DateTimeFormatter TIMESTAMP_TEXT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  private Values() {}

  /**
   * The canonical text of a non-NULL value: integers plainly, float and double with six
   * decimals ({@code 1.100000}), timestamps as {@code yyyy-MM-dd HH:mm:ss} in {@code zone},
   * booleans as {@code true}/{@code false}. A float is printed from its own value widened
   * exactly to double, so it has one text form on every path.
   */
  public static String text(Type type, Object value, ZoneOffset zone) {
    return switch (type) {
      case STRING -> (String) value;
      case INT, BIGINT -> value.toString();
      case FLOAT -> sixDecimals((double) (Float) value);
      case DOUBLE -> sixDecimals((Double) value);
      case TIMESTAMP -> TIMESTAMP_TEXT.format(((Instant) value).atOffset(zone));
      case BOOL -> value.toString();
      case NULL -> throw new IllegalArgumentException("NULL has no text form");
    };
  }

  /**
   * {@code String.format(Locale.ROOT, "%.6f", d)}, character for character, without the
   * formatter's machinery (it is on the serving path for every float a model reads): like the
   * formatter, the shortest decimal digits of {@code |d|} ({@link Double#toString}) rounded half
   * up to six decimals, a minus sign when {@code d} is below zero (-0.0 included).
   */
  static String sixDecimals(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    boolean negative = Double.compare(d, 0.0) < 0;
    if (Double.isInfinite(d)) {
      return negative ? "-Infinity" : "Infinity";
    }
    String digits = new BigDecimal(Double.toString(Math.abs(d))).setScale(6, RoundingMode.HALF_UP).toPlainString();
    return negative ? "-" + digits : digits;
  }

  /**
   * A text that tells keys apart exactly, for grouping and sharding: the canonical text, except
   * that floats and doubles keep every digit (two floats with the same six decimals are still two
   * keys) and -0.0 is 0.0.
   */
  public static String keyText(Type type, Object key, ZoneOffset zone) {
    Object k = groupingKey(key);
    return switch (type) {
      case FLOAT, DOUBLE -> k.toString();
      default -> text(type, k, zone);
    };
  }

  /**
   * Parses text as a value of {@code type} (numbers, {@code true}/{@code false}, timestamps as
   * {@code yyyy-MM-dd HH:mm:ss} or {@code yyyy-MM-dd} in {@code zone}).
   *
   * @throws IllegalArgumentException naming the text and the type when it does not parse
   */
  public static Object parse(Type type, String text, ZoneOffset zone) {
    Object v = Conversions.convert(text, Type.STRING, type, zone);
    if (v == null) {
      throw new IllegalArgumentException("'" + text + "' is not of type " + type.specName());
    }
    return v;
  }

  /** Canonical text, or the literal {@code NULL} for NULL. */
  public static String textOrNull(Type type, Object value, ZoneOffset zone) {
    return value == null ? "NULL" : text(type, value, zone);
  }

  /**
   * Compares two non-NULL values of one type: numbers numerically (with -0.0 equal to 0.0),
   * strings by Unicode code point (UTF-8 byte order, not Java's UTF-16 order), timestamps in
   * time order, false before true.
   */
  @SuppressWarnings("unchecked")
  public static int compare(Type type, Object a, Object b) {
    return switch (type) {
      case STRING -> compareCodePoints((String) a, (String) b);
      case FLOAT, DOUBLE -> Double.compare(normalize(((Number) a).doubleValue()), normalize(((Number) b).doubleValue()));
      case INT, BIGINT -> Long.compare(((Number) a).longValue(), ((Number) b).longValue());
      default -> ((Comparable<Object>) a).compareTo(b);
    };
  }

  /** {@link #compare} with NULL first. */
  public static int compareNullsFirst(Type type, Object a, Object b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    return compare(type, a, b);
  }

  /**
   * The value to use as a hash-map key so that equal values (by {@link #compare}) are equal
   * keys: -0.0 becomes 0.0. NULL stays {@code null}.
   */
  public static Object groupingKey(Object value) {
    if (value instanceof Float f && f == 0.0f) {
      return 0.0f;
    }
    if (value instanceof Double d && d == 0.0) {
      return 0.0;
    }
    return value;
  }

  /** Compares strings by code point, which is the UTF-8 byte order. */
  public static int compareCodePoints(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char ca = a.charAt(i);
      char cb = b.charAt(i);
      if (ca != cb) {
        // Surrogates (U+D800..U+DFFF) stand for code points above U+FFFF: they sort last.
        boolean sa = Character.isSurrogate(ca);
        boolean sb = Character.isSurrogate(cb);
        if (sa != sb) {
          return sa ? 1 : -1;
        }
        return Character.compare(ca, cb);
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  private static double normalize(double d) {
    return d == 0.0 ? 0.0 : d;
  }
}
