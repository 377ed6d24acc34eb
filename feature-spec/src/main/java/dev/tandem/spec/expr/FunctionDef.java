package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import java.time.ZoneOffset;
import java.util.List;

/**
 * One function of the spec language, as the compiler sees it: its name, how many arguments it
 * takes, whether it reads a window, the type rule that checks its compiled arguments and gives its
 * result type, and the factory of its compiled form. All of them are in {@link Functions}.
 */
public record FunctionDef(String name, Arity arity, boolean readsWindow, TypeRule typeRule, Factory factory) {

  /** Checks a call's compiled arguments and gives its result type. */
  @FunctionalInterface
  interface TypeRule {
    Type resultType(Ast.Call call, List<Expr> args) throws CompileError;
  }

  /** Builds the compiled call from arguments its type rule accepted. */
  @FunctionalInterface
  interface Factory {
    Expr build(Ast.Call call, List<Expr> args, Type type, ZoneOffset zone) throws CompileError;
  }

  /** Exactly {@code min} arguments, or at least {@code min} when {@code variadic}. */
  record Arity(int min, boolean variadic) {
    static Arity exactly(int n) {
      return new Arity(n, false);
    }

    static Arity atLeast(int n) {
      return new Arity(n, true);
    }

    void check(Ast.Call call, int given) throws CompileError {
      if (given < min || (!variadic && given > min)) {
        throw new CompileError(call.function() + "() takes " + (variadic ? "at least " : "") + min + " argument"
            + (min == 1 ? "" : "s") + ", got " + given, call.at());
      }
    }
  }

  /** The compiled call: its arity checked, then its arguments by the type rule, then built. */
  public Expr bind(Ast.Call call, List<Expr> args, ZoneOffset zone) throws CompileError {
    arity.check(call, args.size());
    return factory.build(call, args, typeRule.resultType(call, args), zone);
  }
}
