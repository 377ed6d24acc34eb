package dev.tandem.spec;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** The conversions the compiler inserts: an expression to a type it needs, branches to their common type. */
final class Coercion {
  private Coercion() {}

  /** {@code e} must be of {@code type} (or NULL); {@code what} names who needs it, for the message. */
  static void require(Expr e, Type type, String what, int at) throws CompileError {
    if (e.type != type && e.type != Type.NULL) {
      throw new CompileError("type mismatch: " + what + " needs " + type.specName() + ", not " + e.type.specName(), at);
    }
  }

  /** Converts to {@code target}: widening always; a numeric constant also narrows when no value is lost. */
  static Expr to(Type target, Expr e, int at, ZoneOffset zone) throws CompileError {
    if (e.type == target) {
      return e;
    }
    if (e.type == Type.NULL) {
      return new Expr.Constant(null, target);
    }
    if (Casts.widens(e.type, target)) {
      return new Expr.Cast(e, target, zone);
    }
    if (e instanceof Expr.Constant c && e.type.isNumeric() && target.isNumeric()) {
      Object narrowed = Casts.convert(c.value, c.type, target, zone);
      Object back = Casts.convert(narrowed, target, c.type, zone);
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
      Type common = Casts.common(type, b.type);
      if (common == null) {
        throw new CompileError("type mismatch: branches of case/if are " + type.specName() + " and " + b.type.specName(), at);
      }
      type = common;
    }
    return type;
  }

  /** {@code case when conditions[i] then results[i] ... else otherwise end}, every branch converted to their common type. */
  static Expr caseOf(List<Expr> conditions, List<Expr> results, Expr otherwise, int at, ZoneOffset zone) throws CompileError {
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
