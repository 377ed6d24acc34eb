package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import java.util.List;

/** The untyped syntax tree of an expression; {@code at} is the offset in the expression text. */
public sealed interface Ast {
  int at();

  record Literal(Object value, Type type, int at) implements Ast {}

  /** {@code name} or {@code qualifier.name}. */
  record Name(String qualifier, String name, int at) implements Ast {
    public String display() {
      return qualifier == null ? name : qualifier + "." + name;
    }
  }

  /** A function call, optionally with {@code over window}. */
  record Call(String function, List<Ast> args, String over, int overAt, int at) implements Ast {}

  record Unary(String op, Ast operand, int at) implements Ast {}

  record Binary(String op, Ast left, Ast right, int at) implements Ast {}

  record IsNull(Ast operand, boolean negated, int at) implements Ast {}

  /** {@code case when c1 then v1 ... else e end}; {@code otherwise} may be null. */
  record Case(List<Ast> conditions, List<Ast> results, Ast otherwise, int at) implements Ast {}
}
