package dev.tandem.spec.compile;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.JoinPlan;
import dev.tandem.spec.expr.Ast;
import dev.tandem.spec.expr.Conversions;
import dev.tandem.spec.expr.CompileError;
import dev.tandem.spec.expr.Expr;
import dev.tandem.spec.expr.ExprParser;
import dev.tandem.spec.expr.FunctionDef;
import dev.tandem.spec.expr.Functions;
import dev.tandem.spec.expr.Operators;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Compiles expression text into typed {@link Expr}s: operators (resolved to their operation now),
 * case, function calls (looked up in {@link Functions}), and names, resolved in a {@link Scope}
 * by {@link NameResolver}. A window function in a feature becomes a term of its window's group.
 */
final class ExprCompiler {
  private final Yaml yaml;
  private final ZoneOffset zone;
  private final Windows windows;
  private final WindowTerms terms;
  private final NameResolver names;

  ExprCompiler(Yaml yaml, ZoneOffset zone, TableDef request, Windows windows, WindowTerms terms, Declared<JoinPlan> joins) {
    this.yaml = yaml;
    this.zone = zone;
    this.windows = windows;
    this.terms = terms;
    this.names = new NameResolver(request, windows, joins);
  }

  /** Compiles the expression of {@code node}; reports an error at its place there and returns null. */
  Expr compile(ScalarNode node, String what, Scope scope) {
    try {
      return compile(ExprParser.parse(node.getValue()), scope);
    } catch (ExprParser.SyntaxError err) {
      yaml.error(node, err.at, "syntax error in " + what + ": " + err.getMessage());
    } catch (CompileError err) {
      if (!err.isAlreadyReported()) {
        yaml.error(node, err.at, err.getMessage());
      }
    }
    return null;
  }

  /** Compiles an expression that is not a feature (a request_row value, a serving column or filter). */
  Expr compileStandalone(Node node, String what, Scope scope) {
    String source = yaml.scalar(node, what);
    if (source == null) {
      return null;
    }
    if (source.isBlank()) {
      yaml.error((ScalarNode) node, 0, "syntax error in " + what + ": empty expression (write '' for an empty string)");
      return null;
    }
    return compile((ScalarNode) node, what, scope);
  }

  /** A standalone expression giving a column's value, converted to the column's type; null on error. */
  Expr compileColumnValue(Node node, String what, Scope scope, Type columnType) {
    Expr e = compileStandalone(node, what, scope);
    if (e == null) {
      return null;
    }
    try {
      return Conversions.to(columnType, e, 0, zone);
    } catch (CompileError err) {
      yaml.error(node, "type mismatch: " + what + " is " + e.type.specName() + " but the column is " + columnType.specName());
      return null;
    }
  }

  private Expr compile(Ast ast, Scope scope) throws CompileError {
    if (ast instanceof Ast.Literal lit) {
      return new Expr.Constant(lit.value(), lit.type());
    }
    if (ast instanceof Ast.Name n) {
      return names.resolve(n, scope);
    }
    if (ast instanceof Ast.Call call) {
      return call(call, scope);
    }
    if (ast instanceof Ast.Unary u) {
      return unary(u, scope);
    }
    if (ast instanceof Ast.IsNull isNull) {
      return new Expr.IsNull(compile(isNull.operand(), scope), isNull.negated());
    }
    if (ast instanceof Ast.Binary b) {
      return binary(b, scope);
    }
    Ast.Case c = (Ast.Case) ast;
    List<Expr> conditions = new ArrayList<>();
    List<Expr> results = new ArrayList<>();
    for (int i = 0; i < c.conditions().size(); i++) {
      Expr cond = compile(c.conditions().get(i), scope);
      Conversions.require(cond, Type.BOOL, "case when", c.conditions().get(i).at());
      conditions.add(cond);
      results.add(compile(c.results().get(i), scope));
    }
    Expr otherwise = c.otherwise() == null ? null : compile(c.otherwise(), scope);
    return Conversions.caseOf(conditions, results, otherwise, c.at(), zone);
  }

  private Expr unary(Ast.Unary u, Scope scope) throws CompileError {
    Expr operand = compile(u.operand(), scope);
    if (u.op().equals("not")) {
      Conversions.require(operand, Type.BOOL, "not", u.at());
      return new Expr.Not(operand);
    }
    if (!operand.type.isNumeric() && operand.type != Type.NULL) {
      throw new CompileError("type mismatch: '-' needs a number, not " + operand.type.specName(), u.at());
    }
    return new Expr.Negate(operand);
  }

  private Expr binary(Ast.Binary b, Scope scope) throws CompileError {
    Expr l = compile(b.left(), scope);
    Expr r = compile(b.right(), scope);
    String op = b.op();
    switch (op) {
      case "and", "or" -> {
        Conversions.require(l, Type.BOOL, "'" + op + "'", b.left().at());
        Conversions.require(r, Type.BOOL, "'" + op + "'", b.right().at());
        return new Expr.Logic(op.equals("or"), l, r);
      }
      case "=", "!=", "<", "<=", ">", ">=" -> {
        Type common = Conversions.common(l.type, r.type);
        if (common == null) {
          throw new CompileError("type mismatch: cannot compare " + l.type.specName() + " with " + r.type.specName(), b.at());
        }
        if (common == Type.NULL) {
          return new Expr.Constant(null, Type.BOOL);
        }
        return new Expr.Compare(Operators.comparison(op), Conversions.to(common, l, b.at(), zone),
            Conversions.to(common, r, b.at(), zone), common);
      }
      default -> {
        boolean lOk = l.type.isNumeric() || l.type == Type.NULL;
        boolean rOk = r.type.isNumeric() || r.type == Type.NULL;
        if (!lOk || !rOk) {
          throw new CompileError("type mismatch: '" + op + "' needs numbers, got " + l.type.specName() + " and "
              + r.type.specName() + (op.equals("+") ? " (use concat() for strings)" : ""), b.at());
        }
        Type type = op.equals("/") ? Type.DOUBLE : Conversions.common(l.type, r.type);
        if (type == Type.NULL) {
          type = Type.INT;
        }
        return new Expr.Arithmetic(Operators.arithmetic(op.charAt(0), type), Conversions.to(type, l, b.at(), zone),
            Conversions.to(type, r, b.at(), zone), type);
      }
    }
  }

  private Expr call(Ast.Call call, Scope scope) throws CompileError {
    FunctionDef fn = Functions.get(call.function());
    if (fn != null && fn.readsWindow()) {
      return windowCall(fn, call, scope);
    }
    if (call.over() != null) {
      throw new CompileError("'over' applies to window functions only; " + call.function() + "() is not one", call.overAt());
    }
    if (fn == null) {
      throw new CompileError("unknown function '" + call.function() + "'", call.at());
    }
    return fn.bind(call, compileArgs(call, scope), zone);
  }

  private Expr windowCall(FunctionDef fn, Ast.Call call, Scope scope) throws CompileError {
    String banned = scope.windowFunctionsBanned();
    if (banned != null) {
      throw new CompileError("window function " + call.function() + "() is not allowed in " + banned, call.at());
    }
    String window = call.over();
    if (window != null && !windows.declared().has(window)) {
      if (windows.declared().isBroken(window)) {
        throw CompileError.alreadyReported();
      }
      throw new CompileError("unknown window '" + window + "'" + windows.declared().known(), call.overAt());
    }
    if (scope instanceof Scope.WindowRow row) {
      // nested in another window function: evaluated on each of its rows, over the same window
      if (window != null && !window.equals(row.window())) {
        throw new CompileError("a window function inside another must use the same window ('" + row.window() + "')",
            call.overAt());
      }
      return fn.bind(call, compileArgs(call, row), zone);
    }
    Scope.Feature feature = (Scope.Feature) scope;
    if (window == null) {
      window = feature.def().over();
      if (window == null) {
        throw new CompileError(call.function() + "() needs a window: add 'over: <window>' to the feature or write '"
            + call.function() + "(...) over <window>'", call.at());
      }
      feature.features().usesOver(feature.def().name());
    }
    Expr body = fn.bind(call, compileArgs(call, new Scope.WindowRow(window)), zone);
    return new Expr.TermValue(terms.add(window, body), body.type);
  }

  private List<Expr> compileArgs(Ast.Call call, Scope scope) throws CompileError {
    List<Expr> args = new ArrayList<>();
    for (Ast a : call.args()) {
      args.add(compile(a, scope));
    }
    return args;
  }
}
