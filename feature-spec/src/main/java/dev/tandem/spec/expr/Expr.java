package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.IntPredicate;
import java.util.function.UnaryOperator;

/**
 * A compiled, typed expression. The nodes here read rows and apply operators; window functions
 * are {@link WindowAggregate} and {@link WindowRowValue}.
 */
public abstract class Expr {
  public final Type type;

  Expr(Type type) {
    this.type = type;
  }

  public abstract Object eval(EvalContext ctx);

  /** True when the expression reads nothing (so it can be folded or checked at compile time). */
  boolean isConstant() {
    return false;
  }

  public static final class Constant extends Expr {
    final Object value;

    public Constant(Object value, Type type) {
      super(type);
      this.value = value;
    }

    @Override
    public Object eval(EvalContext ctx) {
      return value;
    }

    @Override
    boolean isConstant() {
      return true;
    }
  }

  /** A column of the request row. */
  public static final class RequestColumn extends Expr {
    final int index;

    public RequestColumn(int index, Type type) {
      super(type);
      this.index = index;
    }

    @Override
    public Object eval(EvalContext ctx) {
      return ctx.request[index];
    }
  }

  /** A column of the window row being visited by a window function. */
  public static final class RowColumn extends Expr {
    final int index;

    public RowColumn(int index, Type type) {
      super(type);
      this.index = index;
    }

    @Override
    public Object eval(EvalContext ctx) {
      return ctx.windowRow[index];
    }
  }

  /** A column of a last-joined row; NULL when the join found no row. */
  public static final class JoinColumn extends Expr {
    final int join;
    final int index;

    public JoinColumn(int join, int index, Type type) {
      super(type);
      this.join = join;
      this.index = index;
    }

    @Override
    public Object eval(EvalContext ctx) {
      Object[] row = ctx.joined[join];
      return row == null ? null : row[index];
    }
  }

  /** The value of a window term computed by the window's sweep. */
  public static final class TermValue extends Expr {
    final int index;

    public TermValue(int index, Type type) {
      super(type);
      this.index = index;
    }

    @Override
    public Object eval(EvalContext ctx) {
      return ctx.terms[index];
    }
  }

  /** Three-valued NOT. */
  public static final class Not extends Expr {
    final Expr operand;

    public Not(Expr operand) {
      super(Type.BOOL);
      this.operand = operand;
    }

    @Override
    public Object eval(EvalContext ctx) {
      Object v = operand.eval(ctx);
      return v == null ? null : !(Boolean) v;
    }
  }

  /** Three-valued AND / OR, as SQL: one side equal to {@code decisive} (false for AND, true for OR) decides. */
  public static final class Logic extends Expr {
    final Boolean decisive;
    final Expr left;
    final Expr right;

    public Logic(boolean decisive, Expr left, Expr right) {
      super(Type.BOOL);
      this.decisive = decisive;
      this.left = left;
      this.right = right;
    }

    @Override
    public Object eval(EvalContext ctx) {
      Boolean l = (Boolean) left.eval(ctx);
      if (decisive.equals(l)) {
        return l; // false AND x = false; true OR x = true
      }
      Boolean r = (Boolean) right.eval(ctx);
      if (decisive.equals(r)) {
        return r;
      }
      return l == null || r == null ? null : !decisive;
    }
  }

  public static final class IsNull extends Expr {
    final Expr operand;
    final boolean negated;

    public IsNull(Expr operand, boolean negated) {
      super(Type.BOOL);
      this.operand = operand;
      this.negated = negated;
    }

    @Override
    public Object eval(EvalContext ctx) {
      return (operand.eval(ctx) == null) != negated;
    }
  }

  /** A comparison of two values converted to one type; NULL when either side is NULL. */
  public static final class Compare extends Expr {
    final IntPredicate holds;
    final Expr left;
    final Expr right;
    final Type operandType;

    /** {@code holds} tests the sign of {@link Values#compare} (see {@link Operators#comparison}). */
    public Compare(IntPredicate holds, Expr left, Expr right, Type operandType) {
      super(Type.BOOL);
      this.holds = holds;
      this.left = left;
      this.right = right;
      this.operandType = operandType;
    }

    @Override
    public Object eval(EvalContext ctx) {
      Object l = left.eval(ctx);
      if (l == null) {
        return null;
      }
      Object r = right.eval(ctx);
      if (r == null) {
        return null;
      }
      return holds.test(Values.compare(operandType, l, r));
    }
  }

  /** Arithmetic on operands already converted to the result type; NULL when either is NULL. */
  public static final class Arithmetic extends Expr {
    final BinaryOperator<Object> op;
    final Expr left;
    final Expr right;

    /** {@code op} applies to non-NULL operands (see {@link Operators#arithmetic}). */
    public Arithmetic(BinaryOperator<Object> op, Expr left, Expr right, Type type) {
      super(type);
      this.op = op;
      this.left = left;
      this.right = right;
    }

    @Override
    public Object eval(EvalContext ctx) {
      Object l = left.eval(ctx);
      if (l == null) {
        return null;
      }
      Object r = right.eval(ctx);
      if (r == null) {
        return null;
      }
      return op.apply(l, r);
    }
  }

  public static final class Negate extends Expr {
    final Expr operand;
    final UnaryOperator<Object> negation;

    public Negate(Expr operand) {
      super(operand.type);
      this.operand = operand;
      this.negation = Operators.negation(operand.type);
    }

    @Override
    public Object eval(EvalContext ctx) {
      Object v = operand.eval(ctx);
      return v == null ? null : negation.apply(v);
    }
  }

  /** {@code case when c then v ... else e end}: the first true condition wins; else {@code e} or NULL. */
  static final class Case extends Expr {
    final List<Expr> conditions;
    final List<Expr> results;
    final Expr otherwise;

    Case(List<Expr> conditions, List<Expr> results, Expr otherwise, Type type) {
      super(type);
      this.conditions = conditions;
      this.results = results;
      this.otherwise = otherwise;
    }

    @Override
    public Object eval(EvalContext ctx) {
      for (int i = 0; i < conditions.size(); i++) {
        if (Boolean.TRUE.equals(conditions.get(i).eval(ctx))) {
          return results.get(i).eval(ctx);
        }
      }
      return otherwise == null ? null : otherwise.eval(ctx);
    }
  }

  /** A conversion between types, by {@link Conversions#convert}: implicit widening or an explicit cast. */
  static final class Conversion extends Expr {
    final Expr operand;
    final ZoneOffset zone;

    Conversion(Expr operand, Type to, ZoneOffset zone) {
      super(to);
      this.operand = operand;
      this.zone = zone;
    }

    @Override
    public Object eval(EvalContext ctx) {
      return Conversions.convert(operand.eval(ctx), operand.type, type, zone);
    }

    @Override
    boolean isConstant() {
      return operand.isConstant();
    }
  }

  /** A scalar function applied to its evaluated arguments. */
  static final class Scalar extends Expr {
    /** A function of already-evaluated arguments. */
    interface Fn {
      Object apply(Object[] args);
    }

    final Fn fn;
    final List<Expr> args;

    Scalar(Fn fn, List<Expr> args, Type type) {
      super(type);
      this.fn = fn;
      this.args = args;
    }

    @Override
    public Object eval(EvalContext ctx) {
      Object[] values = new Object[args.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = args.get(i).eval(ctx);
      }
      return fn.apply(values);
    }
  }
}
