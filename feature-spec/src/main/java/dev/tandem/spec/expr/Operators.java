package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.IntPredicate;
import java.util.function.LongBinaryOperator;
import java.util.function.UnaryOperator;

/**
 * The operators of the expression language, resolved when an expression is compiled: evaluating
 * one applies a function object and never looks at its operator or type again.
 */
public final class Operators {
  private Operators() {}

  /** The comparison {@code op} as a test of the sign of {@link Values#compare}. */
  public static IntPredicate comparison(String op) {
    return switch (op) {
      case "=" -> c -> c == 0;
      case "!=" -> c -> c != 0;
      case "<" -> c -> c < 0;
      case "<=" -> c -> c <= 0;
      case ">" -> c -> c > 0;
      case ">=" -> c -> c >= 0;
      default -> throw new IllegalArgumentException("not a comparison: " + op);
    };
  }

  /**
   * {@code op} on two non-NULL operands already converted to {@code type}, the result type ({@code /}
   * is always double); NULL for a division by zero.
   */
  public static BinaryOperator<Object> arithmetic(char op, Type type) {
    return type.isIntegral() ? integral(op, type == Type.INT) : real(op, type == Type.FLOAT);
  }

  /** Negation of a non-NULL number of {@code type}. */
  static UnaryOperator<Object> negation(Type type) {
    return switch (type) {
      case INT -> v -> -(Integer) v;
      case BIGINT -> v -> -(Long) v;
      case FLOAT -> v -> -(Float) v;
      default -> v -> -(Double) v;
    };
  }

  private static BinaryOperator<Object> integral(char op, boolean narrowToInt) {
    LongBinaryOperator f = switch (op) {
      case '+' -> (a, b) -> a + b;
      case '-' -> (a, b) -> a - b;
      case '*' -> (a, b) -> a * b;
      case '%' -> (a, b) -> a % b;
      default -> throw new IllegalArgumentException("not an integer operator: " + op);
    };
    boolean nullOnZero = op == '%';
    return (l, r) -> {
      long b = ((Number) r).longValue();
      if (nullOnZero && b == 0) {
        return null;
      }
      // int arithmetic done in long and narrowed back wraps exactly as int arithmetic does
      long v = f.applyAsLong(((Number) l).longValue(), b);
      return narrowToInt ? (Object) (int) v : (Object) v;
    };
  }

  private static BinaryOperator<Object> real(char op, boolean narrowToFloat) {
    DoubleBinaryOperator f = switch (op) {
      case '+' -> (a, b) -> a + b;
      case '-' -> (a, b) -> a - b;
      case '*' -> (a, b) -> a * b;
      case '/' -> (a, b) -> a / b;
      case '%' -> (a, b) -> a % b;
      default -> throw new IllegalArgumentException("not an operator: " + op);
    };
    boolean nullOnZero = op == '/' || op == '%';
    return (l, r) -> {
      double b = ((Number) r).doubleValue();
      if (nullOnZero && b == 0) {
        return null;
      }
      // float arithmetic done in double and rounded back gives the float result (double has the bits)
      double v = f.applyAsDouble(((Number) l).doubleValue(), b);
      return narrowToFloat ? (Object) (float) v : (Object) v;
    };
  }
}
