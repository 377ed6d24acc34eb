package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The row-level functions: calendar parts of a timestamp (in the spec's time zone, UTC+8 by
 * default), casts, {@code isnull}, {@code concat} and {@code if}.
 */
final class ScalarFunctions {
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

  static List<FunctionDef> all() {
    List<FunctionDef> all = new ArrayList<>();
    CALENDAR.forEach((name, part) -> all.add(row(name, FunctionDef.Arity.exactly(1), ScalarFunctions::calendarType,
        (call, args, type, zone) -> new Expr.Scalar(a -> a[0] == null ? null : part.applyAsInt(((Instant) a[0]).atZone(zone)),
            args, type))));
    CASTS.forEach((name, to) -> all.add(row(name, FunctionDef.Arity.exactly(1), (call, args) -> castType(call, args, to),
        (call, args, type, zone) -> new Expr.Conversion(args.get(0), type, zone))));
    all.add(row("isnull", FunctionDef.Arity.exactly(1), (call, args) -> Type.BOOL,
        (call, args, type, zone) -> new Expr.IsNull(args.get(0), false)));
    all.add(row("concat", FunctionDef.Arity.atLeast(1), (call, args) -> Type.STRING, ScalarFunctions::bindConcat));
    all.add(row("if", FunctionDef.Arity.exactly(3), ScalarFunctions::ifType,
        (call, args, type, zone) -> Conversions.caseOf(args.subList(0, 1), args.subList(1, 2), args.get(2), call.at(), zone)));
    return all;
  }

  private static FunctionDef row(String name, FunctionDef.Arity arity, FunctionDef.TypeRule rule, FunctionDef.Factory factory) {
    return new FunctionDef(name, arity, false, rule, factory);
  }

  private static Type calendarType(Ast.Call call, List<Expr> args) throws CompileError {
    Type arg = args.get(0).type;
    if (arg != Type.TIMESTAMP && arg != Type.NULL) {
      throw new CompileError(call.function() + "() takes a timestamp, not " + arg.specName()
          + " (use timestamp(x) to convert)", call.args().get(0).at());
    }
    return Type.INT;
  }

  private static Type castType(Ast.Call call, List<Expr> args, Type to) throws CompileError {
    if (!Conversions.casts(args.get(0).type, to)) {
      throw new CompileError("cannot cast " + args.get(0).type.specName() + " to " + to.specName(), call.at());
    }
    return to;
  }

  private static Type ifType(Ast.Call call, List<Expr> args) throws CompileError {
    Conversions.require(args.get(0), Type.BOOL, "if()", call.args().get(0).at());
    return Conversions.branchType(args.subList(1, 3), call.at());
  }

  /** Every part as text, NULL if any part is NULL. */
  private static Expr bindConcat(Ast.Call call, List<Expr> args, Type type, ZoneOffset zone) {
    List<Expr> texts = new ArrayList<>();
    for (Expr a : args) {
      texts.add(a.type == Type.STRING ? a : new Expr.Conversion(a, Type.STRING, zone));
    }
    return new Expr.Scalar(ScalarFunctions::concat, texts, Type.STRING);
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
