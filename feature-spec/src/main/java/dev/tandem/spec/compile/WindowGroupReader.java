package dev.tandem.spec.compile;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.eval.WindowGroup;
import dev.tandem.spec.expr.Expr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Builds a new window group from what its windows share: where each source's partition key and
 * window-row columns are, and how the request row becomes a window row (its {@code request_row}
 * expressions, the request table's same-named columns for the others).
 */
final class WindowGroupReader {
  private final Yaml yaml;
  private final TableDef request;
  private final ExprCompiler projections;

  WindowGroupReader(Yaml yaml, TableDef request, ExprCompiler projections) {
    this.yaml = yaml;
    this.request = request;
    this.projections = projections;
  }

  /** The layout of group {@code index} over {@code rows}; null (with errors reported) when its request_row is wrong. */
  WindowGroup.Layout read(WindowGroupKey rows, Node requestRowNode, Node windowNode, String what, int index) {
    List<TableDef> union = rows.union();
    List<TableDef.ColumnDef> columns = rows.columns(request);
    List<String> sources = new ArrayList<>();
    sources.add(request.name());
    union.forEach(t -> sources.add(t.name()));
    int[] partitionIndex = new int[sources.size()];
    partitionIndex[0] = request.indexOf(rows.partition());
    int[][] unionProjection = new int[union.size()][];
    for (int u = 0; u < union.size(); u++) {
      TableDef t = union.get(u);
      partitionIndex[u + 1] = t.indexOf(rows.partition());
      unionProjection[u] = columns.stream().mapToInt(c -> t.indexOf(c.name())).toArray();
    }
    Expr[] projection = requestProjection(columns, union, requestRowNode, windowNode, what);
    if (projection == null) {
      return null;
    }
    int orderIndex = 0;
    while (!columns.get(orderIndex).name().equals(rows.order())) {
      orderIndex++;
    }
    boolean requestRowsInHistory = union.isEmpty() || !rows.instanceNotInWindow();
    return new WindowGroup.Layout(index, List.copyOf(sources), rows.partition(), partitionIndex, List.copyOf(columns),
        projection, unionProjection, orderIndex, requestRowsInHistory);
  }

  /** Per window-row column, its value in the request's own window row; null when an error was reported. */
  private Expr[] requestProjection(List<TableDef.ColumnDef> columns, List<TableDef> union, Node requestRowNode,
      Node windowNode, String what) {
    Map<String, Node> given = new HashMap<>();
    if (requestRowNode != null) {
      Yaml.Entries e = yaml.mapping(requestRowNode, "request_row of " + what, null, Set.of());
      if (e == null) {
        return null;
      }
      for (Map.Entry<String, Node> g : e.values().entrySet()) {
        if (columns.stream().noneMatch(c -> c.name().equals(g.getKey()))) {
          yaml.error(e.keys().get(g.getKey()), "unknown column '" + g.getKey() + "' in request_row of " + what
              + " (the window's columns are those of '" + union.get(0).name() + "')");
          return null;
        }
        given.put(g.getKey(), g.getValue());
      }
    }
    Expr[] projection = new Expr[columns.size()];
    boolean ok = true;
    for (int i = 0; i < columns.size(); i++) {
      TableDef.ColumnDef c = columns.get(i);
      Node exprNode = given.get(c.name());
      if (exprNode != null) {
        projection[i] = projections.compileColumnValue(exprNode, "request_row value of '" + c.name() + "'",
            new Scope.Projection(), c.type());
        ok &= projection[i] != null;
      } else if (request.typeOf(c.name()) == c.type()) {
        projection[i] = new Expr.RequestColumn(request.indexOf(c.name()), c.type());
      } else {
        yaml.error(requestRowNode == null ? windowNode : requestRowNode,
            "request_row of " + what + " must give column '" + c.name() + "' (" + c.type().specName()
            + "): the request table has no such column of that type");
        ok = false;
      }
    }
    return ok ? projection : null;
  }
}
