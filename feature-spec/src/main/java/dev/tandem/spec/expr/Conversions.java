package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Conversions between value types, the one place for them: which types widen to which without
 * asking, which an explicit cast may do, how a value converts ({@link #convert}), and the
 * conversions the compiler inserts into expressions ({@link #to}, {@link #caseOf}), applied at run
 * time by {@link Expr.Conversion}.
 */
public final class Conversions {
  private static final DateTimeFormatter DATE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  private Conversions() {}

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
  public static Type common(Type a, Type b) {
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
  public static Object convert(Object v, Type from, Type to, ZoneOffset zone) {
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

  /** {@code e} must be of {@code type} (or NULL); {@code what} names who needs it, for the message. */
  public static void require(Expr e, Type type, String what, int at) throws CompileError {
    if (e.type != type && e.type != Type.NULL) {
      throw new CompileError("type mismatch: " + what + " needs " + type.specName() + ", not " + e.type.specName(), at);
    }
  }

  /** Converts to {@code target}: widening always; a numeric constant also narrows when no value is lost. */
  public static Expr to(Type target, Expr e, int at, ZoneOffset zone) throws CompileError {
    if (e.type == target) {
      return e;
    }
    if (e.type == Type.NULL) {
      return new Expr.Constant(null, target);
    }
    if (widens(e.type, target)) {
      return new Expr.Conversion(e, target, zone);
    }
    if (e instanceof Expr.Constant c && e.type.isNumeric() && target.isNumeric()) {
      Object narrowed = convert(c.value, c.type, target, zone);
      Object back = convert(narrowed, target, c.type, zone);
      if (Values.compare(c.type, back, c.value) == 0) {
        return new Expr.Constant(narrowed, target);
      }
    }
    throw new CompileError("type mismatch: " + e.type.specName() + " where " + target.specName() + " is needed", at);
  }

  /** The type every branch of a case or if widens to. */
  static Type branchType(List<Expr> branches, int at) throws CompileError {
    Type type = Type.NULL;
    for (Expr b : branches) {
      Type common = common(type, b.type);
      if (common == null) {
        throw new CompileError("type mismatch: branches of case/if are " + type.specName() + " and " + b.type.specName(), at);
      }
      type = common;
    }
    return type;
  }

  /** {@code case when conditions[i] then results[i] ... else otherwise end}, every branch converted to their common type. */
  public static Expr caseOf(List<Expr> conditions, List<Expr> results, Expr otherwise, int at, ZoneOffset zone) throws CompileError {
    List<Expr> branches = new ArrayList<>(results);
    if (otherwise != null) {
      branches.add(otherwise);
    }
    Type type = branchType(branches, at);
    List<Expr> converted = new ArrayList<>();
    for (Expr r : results) {
      converted.add(to(type, r, at, zone));
    }
    return new Expr.Case(conditions, converted, otherwise == null ? null : to(type, otherwise, at, zone), type);
  }
}
