package dev.tandem.spec;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The row-level functions: calendar parts of a timestamp (in the spec's time zone, UTC+8 by
 * default), {@code isnull}, casts and {@code concat}.
 */
final class ScalarFunctions {

  /** A function of already-evaluated arguments. */
  interface Fn {
    Object apply(Object[] args);
  }

  private static final Map<String, ToIntFunction<ZonedDateTime>> CALENDAR = Map.of(
      // 1 = Sunday ... 7 = Saturday, as SQL's DAYOFWEEK; java.time says 1 = Monday ... 7 = Sunday.
      "dayofweek", t -> t.getDayOfWeek().getValue() % 7 + 1,
      "hour", ZonedDateTime::getHour,
      "minute", ZonedDateTime::getMinute,
      "day", ZonedDateTime::getDayOfMonth,
      "dayofmonth", ZonedDateTime::getDayOfMonth,
      "month", ZonedDateTime::getMonthValue,
      "year", ZonedDateTime::getYear);

  private static final Map<String, Type> CASTS = Map.of(
      "string", Type.STRING, "int", Type.INT, "bigint", Type.BIGINT, "float", Type.FLOAT,
      "double", Type.DOUBLE, "bool", Type.BOOL, "timestamp", Type.TIMESTAMP);

  private ScalarFunctions() {}

  static boolean isScalar(String name) {
    return CALENDAR.containsKey(name) || CASTS.containsKey(name) || Set.of("isnull", "concat", "if").contains(name);
  }

  static Set<String> names() {
    Set<String> all = new java.util.TreeSet<>(CALENDAR.keySet());
    all.addAll(CASTS.keySet());
    all.addAll(Set.of("isnull", "concat", "if"));
    return all;
  }

  /** Binds a scalar call to its compiled arguments ({@code if} is compiled by the caller). */
  static Expr bind(Ast.Call call, List<Expr> args, ZoneOffset zone) throws CompileError {
    String name = call.function();
    ToIntFunction<ZonedDateTime> part = CALENDAR.get(name);
    if (part != null) {
      arity(call, args, 1);
      Expr arg = args.get(0);
      if (arg.type != Type.TIMESTAMP && arg.type != Type.NULL) {
        throw new CompileError(name + "() takes a timestamp, not " + arg.type.specName()
            + " (use timestamp(x) to convert)", call.args().get(0).at());
      }
      return new Expr.Scalar(a -> a[0] == null ? null : part.applyAsInt(((Instant) a[0]).atZone(zone)),
          args, Type.INT);
    }
    Type castTo = CASTS.get(name);
    if (castTo != null) {
      arity(call, args, 1);
      Expr arg = args.get(0);
      if (!Casts.casts(arg.type, castTo)) {
        throw new CompileError("cannot cast " + arg.type.specName() + " to " + castTo.specName(), call.at());
      }
      return new Expr.Cast(arg, castTo, zone);
    }
    if (name.equals("isnull")) {
      arity(call, args, 1);
      return new Expr.IsNull(args.get(0), false);
    }
    if (name.equals("concat")) {
      if (args.isEmpty()) {
        throw new CompileError("concat() takes at least 1 argument, got 0", call.at());
      }
      List<Expr> texts = new ArrayList<>();
      for (Expr a : args) {
        texts.add(a.type == Type.STRING ? a : new Expr.Cast(a, Type.STRING, zone));
      }
      return new Expr.Scalar(ScalarFunctions::concat, texts, Type.STRING);
    }
    throw new IllegalStateException("not a scalar function: " + name);
  }

  static void arity(Ast.Call call, List<?> args, int expected) throws CompileError {
    if (args.size() != expected) {
      throw new CompileError(call.function() + "() takes " + expected + " argument" + (expected == 1 ? "" : "s")
          + ", got " + args.size(), call.at());
    }
  }

  private static Object concat(Object[] parts) {
    StringBuilder sb = new StringBuilder();
    for (Object p : parts) {
      if (p == null) {
        return null;
      }
      sb.append((String) p);
    }
    return sb.toString();
  }
}
