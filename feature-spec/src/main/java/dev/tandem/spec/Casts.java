package dev.tandem.spec;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Conversions between value types: implicit widening and explicit casts. */
final class Casts {
  private static final DateTimeFormatter DATE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  private Casts() {}

  /** Lossless-enough conversions applied without asking: int to bigint, float or double, and so on. */
  static boolean widens(Type from, Type to) {
    if (from == to || from == Type.NULL) {
      return true;
    }
    return switch (from) {
      case INT -> to == Type.BIGINT || to == Type.FLOAT || to == Type.DOUBLE;
      case BIGINT, FLOAT -> to == Type.DOUBLE;
      default -> false;
    };
  }

  /** Conversions an explicit cast function may do. */
  static boolean casts(Type from, Type to) {
    boolean boolAndTime = (from == Type.BOOL && to == Type.TIMESTAMP) || (from == Type.TIMESTAMP && to == Type.BOOL);
    return !boolAndTime;
  }

  /** The narrowest type both operands widen to, or {@code null} when there is none. */
  static Type common(Type a, Type b) {
    if (widens(a, b)) {
      return b == Type.NULL ? a : b;
    }
    if (widens(b, a)) {
      return a;
    }
    if (a.isNumeric() && b.isNumeric()) {
      return Type.DOUBLE; // bigint with float
    }
    return null;
  }

  /**
   * Converts a value; NULL stays NULL. A string that does not parse as the target type gives
   * NULL, as SQL casts do.
   */
  static Object convert(Object v, Type from, Type to, ZoneOffset zone) {
    if (v == null || from == to) {
      return v;
    }
    if (to == Type.STRING) {
      return Values.text(from, v, zone);
    }
    if (from == Type.STRING) {
      return parse(((String) v).trim(), to, zone);
    }
    if (from == Type.BOOL) {
      int bit = ((Boolean) v) ? 1 : 0;
      return convert(bit, Type.INT, to, zone);
    }
    if (from == Type.TIMESTAMP) {
      return convert(((Instant) v).toEpochMilli(), Type.BIGINT, to, zone);
    }
    Number n = (Number) v;
    return switch (to) {
      case INT -> n.intValue();
      case BIGINT -> n.longValue();
      case FLOAT -> n.floatValue();
      case DOUBLE -> from == Type.FLOAT ? (double) n.floatValue() : n.doubleValue();
      case BOOL -> n.doubleValue() != 0;
      case TIMESTAMP -> Instant.ofEpochMilli(n.longValue());
      default -> throw new IllegalArgumentException("no conversion from " + from + " to " + to);
    };
  }

  private static Object parse(String s, Type to, ZoneOffset zone) {
    try {
      return switch (to) {
        case INT -> Integer.parseInt(s);
        case BIGINT -> Long.parseLong(s);
        case FLOAT -> Float.parseFloat(s);
        case DOUBLE -> Double.parseDouble(s);
        case BOOL -> s.equalsIgnoreCase("true") ? Boolean.TRUE : s.equalsIgnoreCase("false") ? Boolean.FALSE : null;
        case TIMESTAMP -> s.length() == 10
            ? LocalDate.parse(s).atStartOfDay().toInstant(zone)
            : LocalDateTime.parse(s, DATE_TIME).toInstant(zone);
        default -> throw new IllegalArgumentException("no conversion from string to " + to);
      };
    } catch (NumberFormatException | DateTimeParseException e) {
      return null;
    }
  }
}
