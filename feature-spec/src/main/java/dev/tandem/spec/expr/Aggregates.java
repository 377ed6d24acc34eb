package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The aggregate window functions, one class each: its type rule ({@code type}, checking the
 * compiled arguments of a call) and its steps ({@link Aggregate}). Semantics: the README's table
 * of functions.
 */
final class Aggregates {
  private Aggregates() {}

  /** {@code count(c)}, and {@code count_where(c, cond)} (its condition filters the rows): bigint. */
  static final class Count implements Aggregate {
    static Type type(Ast.Call call, List<Expr> args) {
      return Type.BIGINT;
    }

    static Type typeWhere(Ast.Call call, List<Expr> args) throws CompileError {
      Type cond = args.get(1).type;
      if (cond != Type.BOOL && cond != Type.NULL) {
        throw new CompileError("count_where() condition must be bool, not " + cond.specName(), call.args().get(1).at());
      }
      return Type.BIGINT;
    }

    @Override
    public State start() {
      return new State() {
        private long n;

        @Override
        public void add(Object value) {
          n++;
        }

        @Override
        public Object result() {
          return n;
        }
      };
    }

  }

  /** {@code sum(c)}: bigint for integers (wrapping as long arithmetic does), else double; NULL without values. */
  static final class Sum implements Aggregate {
    private final boolean integral;

    Sum(Type type) {
      this.integral = type == Type.BIGINT;
    }

    static Type type(Ast.Call call, List<Expr> args) throws CompileError {
      Arguments.numeric(call, args, 0);
      return args.get(0).type.isIntegral() ? Type.BIGINT : Type.DOUBLE;
    }

    @Override
    public State start() {
      return integral ? new LongTotal() : new DoubleTotal(false);
    }
  }

  /** {@code avg(c)}: double; NULL without values. */
  static final class Average implements Aggregate {
    static Type type(Ast.Call call, List<Expr> args) throws CompileError {
      Arguments.numeric(call, args, 0);
      return Type.DOUBLE;
    }

    @Override
    public State start() {
      return new DoubleTotal(true);
    }
  }

  /** {@code min(c)} and {@code max(c)}: the input type; the first of equal values in window order wins. */
  static final class Extreme implements Aggregate {
    private final Type type;
    private final boolean max;

    Extreme(Type type, boolean max) {
      this.type = type;
      this.max = max;
    }

    static Type type(Ast.Call call, List<Expr> args) throws CompileError {
      if (args.get(0).type == Type.BOOL) {
        throw new CompileError(call.function() + "() takes a number, string or timestamp, not bool", call.args().get(0).at());
      }
      return args.get(0).type;
    }

    @Override
    public State start() {
      return new State() {
        private Object best;

        @Override
        public void add(Object value) {
          if (best == null) {
            best = value;
          } else {
            int c = Values.compare(type, value, best);
            if (max ? c > 0 : c < 0) {
              best = value;
            }
          }
        }

        @Override
        public Object result() {
          return best;
        }
      };
    }
  }

  /** {@code distinct_count(c)}: bigint; NULL is one value among the others. */
  static final class DistinctCount extends OfFrequencies {
    static Type type(Ast.Call call, List<Expr> args) {
      return Type.BIGINT;
    }

    @Override
    Object result(Map<Object, Integer> counts) {
      return (long) counts.size();
    }

    @Override
    public boolean countsNull() {
      return true;
    }
  }

  /** {@code top1_ratio(c)}: double, the most frequent value's share of the non-NULL values; 0 without values. */
  static final class Top1Ratio extends OfFrequencies {
    static Type type(Ast.Call call, List<Expr> args) {
      return Type.DOUBLE;
    }

    @Override
    Object result(Map<Object, Integer> counts) {
      long total = 0;
      int top = 0;
      for (int c : counts.values()) {
        total += c;
        top = Math.max(top, c);
      }
      return total == 0 ? 0.0 : (double) top / total;
    }
  }

  /**
   * {@code topn_frequency(c, n)}: string, the n most frequent non-NULL values by count, ties to
   * the smaller value, in canonical text joined by {@code ,} and padded with {@code NULL}.
   */
  static final class TopnFrequency extends OfFrequencies {
    private final Type type;
    private final int n;
    private final ZoneOffset zone;

    TopnFrequency(Type type, int n, ZoneOffset zone) {
      this.type = type;
      this.n = n;
      this.zone = zone;
    }

    static Type type(Ast.Call call, List<Expr> args) throws CompileError {
      Arguments.integerLiteral(call, args, 1);
      return Type.STRING;
    }

    @Override
    Object result(Map<Object, Integer> counts) {
      List<Map.Entry<Object, Integer>> entries = new ArrayList<>(counts.entrySet());
      entries.sort((a, b) -> {
        int byCount = Integer.compare(b.getValue(), a.getValue());
        return byCount != 0 ? byCount : Values.compare(type, a.getKey(), b.getKey());
      });
      StringJoiner out = new StringJoiner(",");
      for (int i = 0; i < n; i++) {
        out.add(i < entries.size() ? Values.text(type, entries.get(i).getKey(), zone) : "NULL");
      }
      return out.toString();
    }
  }

  /**
   * An aggregate of how often each value occurs (equal values, like -0.0 and 0.0, are one key).
   * Removable: taking a value back lowers its count.
   */
  private abstract static class OfFrequencies implements Aggregate {
    abstract Object result(Map<Object, Integer> counts);

    @Override
    public State start() {
      Map<Object, Integer> counts = new HashMap<>();
      return new State() {
        @Override
        public void add(Object value) {
          counts.merge(Values.groupingKey(value), 1, Integer::sum);
        }

        @Override
        public Object result() {
          return OfFrequencies.this.result(counts);
        }
      };
    }

  }

  /** A long total and how many values it holds: NULL without values. */
  private static final class LongTotal implements Aggregate.State {
    private long total;
    private long n;

    @Override
    public void add(Object value) {
      total += ((Number) value).longValue();
      n++;
    }

    @Override
    public Object result() {
      return n == 0 ? null : total;
    }
  }

  /** A double total, or the mean, of the values: NULL without values. */
  private static final class DoubleTotal implements Aggregate.State {
    private final boolean mean;
    private double total;
    private long n;

    DoubleTotal(boolean mean) {
      this.mean = mean;
    }

    @Override
    public void add(Object value) {
      total += ((Number) value).doubleValue();
      n++;
    }

    @Override
    public Object result() {
      return n == 0 ? null : mean ? total / n : total;
    }
  }
}
