package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import java.util.List;

/** Checks of a call's compiled arguments shared by the type rules of several functions. */
final class Arguments {
  private Arguments() {}

  /** Argument {@code i} must be a number (or NULL). */
  static void numeric(Ast.Call call, List<Expr> args, int i) throws CompileError {
    Type type = args.get(i).type;
    if (!type.isNumeric() && type != Type.NULL) {
      throw new CompileError(call.function() + "() takes a number, not " + type.specName(), call.args().get(i).at());
    }
  }

  /** The second argument must be an integer literal of at least {@code min}; returns it. */
  static int integerLiteral(Ast.Call call, List<Expr> args, int min) throws CompileError {
    if (!(args.get(1) instanceof Expr.Constant c) || !(c.value instanceof Integer i) || i < min) {
      throw new CompileError(call.function() + "() needs an integer literal >= " + min + " as its second argument",
          call.args().get(1).at());
    }
    return i;
  }
}
