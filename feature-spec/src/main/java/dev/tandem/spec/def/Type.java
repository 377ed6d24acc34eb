package dev.tandem.spec.def;

import java.util.Locale;

/**
 * The value types of the spec language. At run time a value is a plain Java object (String,
 * Integer, Long, Float, Double, {@link java.time.Instant}, Boolean), or {@code null} for NULL.
 */
public enum Type {
  STRING,
  INT,
  BIGINT,
  FLOAT,
  DOUBLE,
  /** Milliseconds since the epoch, UTC, held as a {@link java.time.Instant}. */
  TIMESTAMP,
  BOOL,
  /** The type of the literal {@code null}; it converts to every other type. Never a column type. */
  NULL;

  /** The name used in specs: {@code string}, {@code int}, ... */
  public String specName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean isNumeric() {
    return this == INT || this == BIGINT || this == FLOAT || this == DOUBLE;
  }

  public boolean isIntegral() {
    return this == INT || this == BIGINT;
  }

  /** What a time or order column may be: a timestamp, or bigint milliseconds. */
  public boolean isTimeLike() {
    return this == TIMESTAMP || this == BIGINT;
  }

  /** Parses a type name as written in a spec; {@code null} when unknown. */
  public static Type fromSpecName(String name) {
    for (Type t : values()) {
      if (t != NULL && t.specName().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** Lists the names a spec may use, for error messages. */
  public static String specNames() {
    return "string, int, bigint, float, double, timestamp, bool";
  }
}
