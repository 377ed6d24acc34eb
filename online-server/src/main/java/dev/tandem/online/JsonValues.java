package dev.tandem.online;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JSON values to the spec's typed values and back, one column at a time; every error names the
 * field (a JSON path) and says what was expected. NULL (JSON {@code null}) is allowed for every
 * type.
 *
 * <table>
 *   <caption>accepted JSON per type</caption>
 *   <tr><td>string</td><td>a string</td></tr>
 *   <tr><td>int, bigint</td><td>a whole number in the type's range (no fraction, no exponent)</td></tr>
 *   <tr><td>float, double</td><td>a finite number in the type's range</td></tr>
 *   <tr><td>timestamp</td><td>an ISO-8601 instant ({@code 2016-04-05T08:00:00Z}, or with an offset
 *       {@code 2016-04-05T16:00:00+08:00}), or whole epoch milliseconds; kept to the millisecond</td></tr>
 *   <tr><td>bool</td><td>true or false</td></tr>
 * </table>
 *
 * Out: strings, numbers (floats print as their shortest decimal, which reads back to the same
 * float), timestamps as ISO-8601 instants in UTC, booleans; NULL as {@code null}.
 *
 * <p>Objects are plain maps, whoever parsed them (Vert.x on the server, Jackson in the stream job),
 * so a row means the same in {@code POST /events} and in a Kafka message.
 */
public final class JsonValues {
  private JsonValues() {}

  /** The typed value of one JSON value for a column of {@code type}. */
  public static Object fromJson(Type type, Object json, String field) {
    if (json == null) {
      return null;
    }
    return switch (type) {
      case STRING -> {
        if (json instanceof String s) {
          yield s;
        }
        throw wrong(field, "a string", json);
      }
      case INT -> {
        long v = whole(json, field, "an int");
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
          throw HttpError.badRequest("expected an int (32 bits), got " + json, field);
        }
        yield (int) v;
      }
      case BIGINT -> whole(json, field, "a bigint");
      case FLOAT -> {
        double d = finite(json, field, "a float");
        if (Math.abs(d) > Float.MAX_VALUE) {
          throw HttpError.badRequest("expected a float, got " + json + " (out of the float range)", field);
        }
        yield (float) d;
      }
      case DOUBLE -> finite(json, field, "a double");
      case TIMESTAMP -> timestamp(json, field);
      case BOOL -> {
        if (json instanceof Boolean b) {
          yield b;
        }
        throw wrong(field, "true or false", json);
      }
      case NULL -> throw HttpError.badRequest("a NULL-typed column takes only null", field);
    };
  }

  /** A timestamp: an ISO-8601 instant or offset date-time, or whole epoch milliseconds; truncated to milliseconds. */
  public static Instant timestamp(Object json, String field) {
    if (json instanceof String s) {
      try {
        return Instant.parse(s).truncatedTo(ChronoUnit.MILLIS);
      } catch (DateTimeParseException e) {
        try {
          return OffsetDateTime.parse(s).toInstant().truncatedTo(ChronoUnit.MILLIS);
        } catch (DateTimeParseException e2) {
          throw HttpError.badRequest("expected a timestamp (ISO-8601 such as 2016-04-05T08:00:00Z, or epoch"
              + " milliseconds), got \"" + s + "\"", field);
        }
      }
    }
    if (json instanceof Number) {
      return Instant.ofEpochMilli(whole(json, field, "a timestamp (ISO-8601 text or epoch milliseconds)"));
    }
    throw wrong(field, "a timestamp (ISO-8601 text or epoch milliseconds)", json);
  }

  /**
   * A row of {@code table} from a JSON object of column name → value; columns not given are NULL.
   *
   * @param skip a member that is not a column (such as {@code event_id}), or null
   * @throws HttpError naming {@code path.column} for an unknown column or a value of the wrong type
   */
  public static Object[] row(TableDef table, Map<String, ?> json, String path, String skip) {
    Object[] row = new Object[table.columns().size()];
    for (Map.Entry<String, ?> e : json.entrySet()) {
      if (e.getKey().equals(skip)) {
        continue;
      }
      String field = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      int index = table.indexOf(e.getKey());
      if (index < 0) {
        throw HttpError.badRequest("unknown column '" + e.getKey() + "' of table '" + table.name() + "'; its columns: "
            + table.names(), field);
      }
      row[index] = fromJson(table.columns().get(index).type(), e.getValue(), field);
    }
    return row;
  }

  /** The JSON form of a typed value. */
  public static Object toJson(Type type, Object value) {
    if (value == null) {
      return null;
    }
    return switch (type) {
      case TIMESTAMP -> ((Instant) value).toString();
      default -> value;
    };
  }

  /** A row of {@code table} as a JSON object (every column, NULLs included, in column order). */
  public static Map<String, Object> toJson(TableDef table, Object[] row) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < row.length; i++) {
      TableDef.ColumnDef c = table.columns().get(i);
      out.put(c.name(), toJson(c.type(), row[i]));
    }
    return out;
  }

  private static long whole(Object json, String field, String expected) {
    if (json instanceof Integer || json instanceof Long || json instanceof Short || json instanceof Byte) {
      return ((Number) json).longValue();
    }
    if (json instanceof BigInteger b) {
      if (b.bitLength() < 64) {
        return b.longValue();
      }
      throw HttpError.badRequest("expected " + expected + ", got " + json + " (out of range)", field);
    }
    if (json instanceof BigDecimal d) {
      try {
        return d.longValueExact();
      } catch (ArithmeticException e) {
        throw wrong(field, expected, json);
      }
    }
    throw wrong(field, expected, json);
  }

  private static double finite(Object json, String field, String expected) {
    if (json instanceof Number n && !(json instanceof Boolean)) {
      double d = n.doubleValue();
      if (Double.isFinite(d)) {
        return d;
      }
      throw HttpError.badRequest("expected " + expected + ", got " + json + " (not finite)", field);
    }
    throw wrong(field, expected, json);
  }

  private static HttpError wrong(String field, String expected, Object json) {
    String got = json instanceof String s ? "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\""
        : json instanceof Number ? "the number " + json
        : json instanceof Boolean ? json.toString()
        // a parsed object or array: a plain map or list (Jackson), or Vert.x's wrappers of them
        : json instanceof Map || json.getClass().getSimpleName().equals("JsonObject") ? "an object"
        : json instanceof java.util.List || json.getClass().getSimpleName().equals("JsonArray") ? "an array"
        : json.getClass().getSimpleName();
    return HttpError.badRequest("expected " + expected + ", got " + got, field);
  }
}
