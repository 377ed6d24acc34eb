package dev.tandem.spec.compile;

import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.eval.JoinPlan;
import dev.tandem.spec.expr.Ast;
import dev.tandem.spec.expr.CompileError;
import dev.tandem.spec.expr.Expr;
import java.util.List;
import java.util.Set;

/**
 * Resolves a name of an expression in its {@link Scope}: a column of the request row, of a joined
 * row or of a window row, another feature, or an output feature (in serving filters).
 */
final class NameResolver {
  private final TableDef request;
  private final Windows windows;
  private final Declared<JoinPlan> joins;

  NameResolver(TableDef request, Windows windows, Declared<JoinPlan> joins) {
    this.request = request;
    this.windows = windows;
    this.joins = joins;
  }

  Expr resolve(Ast.Name n, Scope scope) throws CompileError {
    if (scope instanceof Scope.Filter filter) {
      return outputFeature(n, filter.features());
    }
    if (scope instanceof Scope.WindowRow row) {
      return windowColumn(n, row.window());
    }
    Scope.Feature feature = scope instanceof Scope.Feature f ? f : null;
    if (n.qualifier() != null) {
      return qualified(n, scope, feature);
    }
    int i = request.indexOf(n.name());
    Set<String> unset = scope instanceof Scope.Serving serving ? serving.unset() : Set.of();
    if (i >= 0 && unset.contains(n.name())) {
      throw new CompileError("column '" + n.name() + "' is not set yet: serving columns are derived in the order written", n.at());
    }
    if (i >= 0) {
      return new Expr.RequestColumn(i, request.columns().get(i).type());
    }
    Expr other = feature == null ? null : feature.features().reference(n);
    if (other != null) {
      return other;
    }
    throw new CompileError("unknown column '" + n.name() + "' (not a column of request table '" + request.name()
        + "'" + (feature != null ? ", nor a feature" : "") + ")", n.at());
  }

  /** {@code join.column} (in features), or {@code requestTable.column}. */
  private Expr qualified(Ast.Name n, Scope scope, Scope.Feature feature) throws CompileError {
    if (feature != null && joins.has(n.qualifier())) {
      JoinPlan j = joins.get(n.qualifier());
      TableDef t = j.tableDef();
      int i = t.indexOf(n.name());
      if (i < 0) {
        throw new CompileError("unknown column '" + n.name() + "' in table '" + t.name() + "' (join '" + n.qualifier() + "')", n.at());
      }
      return new Expr.JoinColumn(j.index(), i, t.columns().get(i).type());
    }
    if (feature != null && joins.isBroken(n.qualifier())) {
      throw CompileError.alreadyReported();
    }
    if (n.qualifier().equals(request.name())) {
      return resolve(new Ast.Name(null, n.name(), n.at()), scope);
    }
    throw new CompileError("unknown join '" + n.qualifier() + "'" + joins.known(), n.at());
  }

  private Expr windowColumn(Ast.Name n, String window) throws CompileError {
    List<TableDef.ColumnDef> columns = windows.columns(window);
    if (n.qualifier() == null) {
      for (int i = 0; i < columns.size(); i++) {
        if (columns.get(i).name().equals(n.name())) {
          return new Expr.RowColumn(i, columns.get(i).type());
        }
      }
    }
    throw new CompileError("unknown column '" + n.display() + "' in window '" + window + "'"
        + Declared.known(columns.stream().map(TableDef.ColumnDef::name).toList()), n.at());
  }

  /** A feature read by a serving filter: filters run over the feature row, in the request row's place. */
  private static Expr outputFeature(Ast.Name n, List<FeatureDef> features) throws CompileError {
    for (int i = 0; i < features.size(); i++) {
      FeatureDef f = features.get(i);
      if (f.name().equals(n.display())) {
        if (f.type() == null) {
          throw CompileError.alreadyReported();
        }
        return new Expr.RequestColumn(i, f.type());
      }
    }
    throw new CompileError("unknown feature '" + n.display() + "' in serving filters", n.at());
  }
}
