package dev.tandem.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.time.ZoneOffset;

/**
 * The window functions. Each is evaluated over a {@link WindowView} with its arguments read
 * from each window row. Semantics: ../shared/reference/feature-semantics.md and the README.
 */
final class WindowFunctions {
  private WindowFunctions() {}

  static final Set<String> NAMES = Set.of("count", "sum", "avg", "min", "max", "distinct_count", "top1_ratio",
      "topn_frequency", "count_where", "at", "lag", "first", "last");

  static boolean isWindowFunction(String name) {
    return NAMES.contains(name);
  }

  /**
   * Binds a window function call. {@code args} are compiled in the window-row scope;
   * {@code constant} is the integer literal of {@code at/lag/topn_frequency}, checked by the caller.
   */
  static Expr bind(Ast.Call call, List<Expr> args, ZoneOffset zone) throws CompileError {
    String name = call.function();
    int expected = switch (name) {
      case "topn_frequency", "count_where", "at", "lag" -> 2;
      default -> 1;
    };
    ScalarFunctions.arity(call, args, expected);
    Expr col = args.get(0);
    switch (name) {
      case "count":
        return new Over(Type.BIGINT, w -> count(w, col));
      case "sum":
        numeric(call, col);
        Type sumType = col.type.isIntegral() ? Type.BIGINT : Type.DOUBLE;
        return new Over(sumType, w -> sum(w, col, sumType));
      case "avg":
        numeric(call, col);
        return new Over(Type.DOUBLE, w -> avg(w, col));
      case "min":
      case "max":
        ordered(call, col);
        boolean isMax = name.equals("max");
        return new Over(col.type, w -> extreme(w, col, isMax));
      case "distinct_count":
        return new Over(Type.BIGINT, w -> distinctCount(w, col));
      case "top1_ratio":
        return new Over(Type.DOUBLE, w -> top1Ratio(w, col));
      case "topn_frequency": {
        int n = positiveConstant(call, args.get(1), 1);
        return new Over(Type.STRING, w -> topnFrequency(w, col, n, zone));
      }
      case "count_where": {
        Expr cond = args.get(1);
        if (cond.type != Type.BOOL && cond.type != Type.NULL) {
          throw new CompileError("count_where() condition must be bool, not " + cond.type.specName(),
              call.args().get(1).at());
        }
        return new Over(Type.BIGINT, w -> countWhere(w, col, cond));
      }
      case "at":
      case "lag": {
        int offset = positiveConstant(call, args.get(1), 0);
        return new Over(col.type, w -> valueAt(w, col, w.window.size() - 1 - offset));
      }
      case "first":
        return new Over(col.type, w -> valueAt(w, col, 0));
      case "last":
        return new Over(col.type, w -> valueAt(w, col, w.window.size() - 1));
      default:
        throw new IllegalStateException("not a window function: " + name);
    }
  }

  /** A window function: evaluated on {@code ctx.window}. */
  static final class Over extends Expr {
    interface Body {
      Object apply(EvalContext ctx);
    }

    final Body body;

    Over(Type type, Body body) {
      super(type);
      this.body = body;
    }

    @Override
    Object eval(EvalContext ctx) {
      Object[] saved = ctx.windowRow;
      try {
        return body.apply(ctx);
      } finally {
        ctx.windowRow = saved;
      }
    }
  }

  private static void numeric(Ast.Call call, Expr col) throws CompileError {
    if (!col.type.isNumeric() && col.type != Type.NULL) {
      throw new CompileError(call.function() + "() takes a number, not " + col.type.specName(), call.args().get(0).at());
    }
  }

  private static void ordered(Ast.Call call, Expr col) throws CompileError {
    if (col.type == Type.BOOL) {
      throw new CompileError(call.function() + "() takes a number, string or timestamp, not bool", call.args().get(0).at());
    }
  }

  private static int positiveConstant(Ast.Call call, Expr e, int min) throws CompileError {
    Ast arg = call.args().get(1);
    if (!(e instanceof Expr.Constant c) || !(c.value instanceof Integer i) || i < min) {
      throw new CompileError(call.function() + "() needs an integer literal >= " + min + " as its second argument",
          arg.at());
    }
    return i;
  }

  private static Object valueAt(EvalContext ctx, Expr col, int index) {
    WindowView w = ctx.window;
    if (index < 0 || index >= w.size()) {
      return null;
    }
    ctx.windowRow = w.row(index);
    return col.eval(ctx);
  }

  private static Object count(EvalContext ctx, Expr col) {
    WindowView w = ctx.window;
    long n = 0;
    for (int i = 0; i < w.size(); i++) {
      ctx.windowRow = w.row(i);
      if (col.eval(ctx) != null) {
        n++;
      }
    }
    return n;
  }

  private static Object sum(EvalContext ctx, Expr col, Type type) {
    WindowView w = ctx.window;
    long longSum = 0;
    double doubleSum = 0;
    boolean any = false;
    for (int i = 0; i < w.size(); i++) {
      ctx.windowRow = w.row(i);
      Object v = col.eval(ctx);
      if (v != null) {
        any = true;
        if (type == Type.BIGINT) {
          longSum += ((Number) v).longValue();
        } else {
          doubleSum += ((Number) v).doubleValue();
        }
      }
    }
    if (!any) {
      return null;
    }
    return type == Type.BIGINT ? (Object) longSum : (Object) doubleSum;
  }

  private static Object avg(EvalContext ctx, Expr col) {
    WindowView w = ctx.window;
    double total = 0;
    long n = 0;
    for (int i = 0; i < w.size(); i++) {
      ctx.windowRow = w.row(i);
      Object v = col.eval(ctx);
      if (v != null) {
        total += ((Number) v).doubleValue();
        n++;
      }
    }
    return n == 0 ? null : total / n;
  }

  private static Object extreme(EvalContext ctx, Expr col, boolean isMax) {
    WindowView w = ctx.window;
    Object best = null;
    for (int i = 0; i < w.size(); i++) {
      ctx.windowRow = w.row(i);
      Object v = col.eval(ctx);
      if (v != null) {
        if (best == null) {
          best = v;
        } else {
          int c = Values.compare(col.type, v, best);
          if (isMax ? c > 0 : c < 0) {
            best = v;
          }
        }
      }
    }
    return best;
  }

  private static Object distinctCount(EvalContext ctx, Expr col) {
    WindowView w = ctx.window;
    Set<Object> seen = new HashSet<>();
    for (int i = 0; i < w.size(); i++) {
      ctx.windowRow = w.row(i);
      seen.add(Values.groupingKey(col.eval(ctx))); // NULL is one value among the others
    }
    return (long) seen.size();
  }

  /** Counts of the non-NULL values of {@code col} in the window. */
  private static Map<Object, Integer> frequencies(EvalContext ctx, Expr col) {
    WindowView w = ctx.window;
    Map<Object, Integer> counts = new HashMap<>();
    for (int i = 0; i < w.size(); i++) {
      ctx.windowRow = w.row(i);
      Object v = col.eval(ctx);
      if (v != null) {
        counts.merge(Values.groupingKey(v), 1, Integer::sum);
      }
    }
    return counts;
  }

  private static Object top1Ratio(EvalContext ctx, Expr col) {
    Map<Object, Integer> counts = frequencies(ctx, col);
    long total = 0;
    int top = 0;
    for (int c : counts.values()) {
      total += c;
      top = Math.max(top, c);
    }
    return total == 0 ? 0.0 : (double) top / total;
  }

  private static Object topnFrequency(EvalContext ctx, Expr col, int n, ZoneOffset zone) {
    List<Map.Entry<Object, Integer>> entries = new ArrayList<>(frequencies(ctx, col).entrySet());
    entries.sort((a, b) -> {
      int byCount = Integer.compare(b.getValue(), a.getValue());
      return byCount != 0 ? byCount : Values.compare(col.type, a.getKey(), b.getKey());
    });
    StringJoiner out = new StringJoiner(",");
    for (int i = 0; i < n; i++) {
      out.add(i < entries.size() ? Values.text(col.type, entries.get(i).getKey(), zone) : "NULL");
    }
    return out.toString();
  }

  private static Object countWhere(EvalContext ctx, Expr col, Expr cond) {
    WindowView w = ctx.window;
    long n = 0;
    for (int i = 0; i < w.size(); i++) {
      ctx.windowRow = w.row(i);
      if (col.eval(ctx) != null && Boolean.TRUE.equals(cond.eval(ctx))) {
        n++;
      }
    }
    return n;
  }
}
