package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The window functions: the aggregates of {@link Aggregates} and the positional functions
 * ({@link WindowRowValue}). Each is evaluated over {@code ctx.window}, its arguments read from
 * each window row. Semantics: the README's table of functions.
 */
final class WindowFunctions {
  private WindowFunctions() {}

  /** An aggregate for the arguments of one call, of the result type its type rule gave. */
  @FunctionalInterface
  private interface AggregateFactory {
    Aggregate create(List<Expr> args, Type type, ZoneOffset zone);
  }

  static List<FunctionDef> all() {
    return List.of(
        aggregate("count", 1, Aggregates.Count::type, (args, type, zone) -> new Aggregates.Count()),
        aggregate("sum", 1, Aggregates.Sum::type, (args, type, zone) -> new Aggregates.Sum(type)),
        aggregate("avg", 1, Aggregates.Average::type, (args, type, zone) -> new Aggregates.Average()),
        aggregate("min", 1, Aggregates.Extreme::type, (args, type, zone) -> new Aggregates.Extreme(type, false)),
        aggregate("max", 1, Aggregates.Extreme::type, (args, type, zone) -> new Aggregates.Extreme(type, true)),
        aggregate("distinct_count", 1, Aggregates.DistinctCount::type, (args, type, zone) -> new Aggregates.DistinctCount()),
        aggregate("top1_ratio", 1, Aggregates.Top1Ratio::type, (args, type, zone) -> new Aggregates.Top1Ratio()),
        aggregate("topn_frequency", 2, Aggregates.TopnFrequency::type,
            (args, type, zone) -> new Aggregates.TopnFrequency(args.get(0).type, literal(args.get(1)), zone)),
        window("count_where", 2, Aggregates.Count::typeWhere,
            (call, args, type, zone) -> new WindowAggregate(type, new Aggregates.Count(), args.get(0), args.get(1))),
        rowsBack("at"),
        rowsBack("lag"),
        rowAt("first", size -> 0),
        rowAt("last", size -> size - 1));
  }

  private static FunctionDef window(String name, int arity, FunctionDef.TypeRule rule, FunctionDef.Factory factory) {
    return new FunctionDef(name, FunctionDef.Arity.exactly(arity), true, rule, factory);
  }

  /** An aggregate of its first argument's values. */
  private static FunctionDef aggregate(String name, int arity, FunctionDef.TypeRule rule, AggregateFactory aggregate) {
    return window(name, arity, rule,
        (call, args, type, zone) -> new WindowAggregate(type, aggregate.create(args, type, zone), args.get(0), null));
  }

  /** {@code f(c, k)}: {@code c} in the row k rows before the current one. */
  private static FunctionDef rowsBack(String name) {
    FunctionDef.TypeRule rule = (call, args) -> {
      Arguments.integerLiteral(call, args, 0);
      return args.get(0).type;
    };
    return window(name, 2, rule, (call, args, type, zone) -> {
      int back = literal(args.get(1));
      return new WindowRowValue(args.get(0), size -> size - 1 - back);
    });
  }

  /** {@code f(c)}: {@code c} in the row at a fixed place of the window. */
  private static FunctionDef rowAt(String name, WindowRowValue.Position position) {
    return window(name, 1, (call, args) -> args.get(0).type,
        (call, args, type, zone) -> new WindowRowValue(args.get(0), position));
  }

  /** The value of an integer literal argument (checked by the type rule). */
  private static int literal(Expr arg) {
    return (Integer) ((Expr.Constant) arg).value;
  }
}
