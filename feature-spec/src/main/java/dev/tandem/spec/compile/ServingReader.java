package dev.tandem.spec.compile;

import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.ServingPlan;
import dev.tandem.spec.eval.StatePlan;
import dev.tandem.spec.expr.Expr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads the {@code serving} section: which request columns hold the user, the item and the id,
 * the derived request columns, where candidates come from, and the filters of scored rows.
 */
final class ServingReader implements SectionReader<ServingReader.Serving> {
  /**
   * What the {@code serving} section declares; the plan is made once the state plan exists (it
   * names a store).
   */
  record Serving(TableDef request, String user, String item, String id, List<ServingPlan.Derived> derived,
      List<Expr> filters, int recentLimit, int popularDays, int popularLimit) {

    ServingPlan plan(StatePlan state) {
      return new ServingPlan(request, user, item, id, derived, filters, recentLimit, popularDays, popularLimit, state);
    }
  }

  private final Yaml yaml;
  private final TableDef request;
  private final Windows windows;
  private final ExprCompiler exprs;
  private final List<FeatureDef> features;

  ServingReader(Yaml yaml, TableDef request, Windows windows, ExprCompiler exprs, List<FeatureDef> features) {
    this.yaml = yaml;
    this.request = request;
    this.windows = windows;
    this.exprs = exprs;
    this.features = features;
  }

  /** The serving section; null when it is absent or wrong (the errors are reported). */
  @Override
  public Serving read(Yaml.Entries spec) {
    Node node = spec.get("serving");
    Yaml.Entries sv = node == null ? null
        : yaml.mapping(node, "serving", Set.of("user", "item", "id", "columns", "recall", "filters"), Set.of("user", "item"));
    if (sv == null || sv.get("user") == null || sv.get("item") == null) {
      return null;
    }
    int errorsBefore = yaml.errorCount();
    String user = column(sv.get("user"), "user");
    String item = column(sv.get("item"), "item");
    String id = sv.get("id") == null ? request.key() : column(sv.get("id"), "id");
    Node idNode = sv.get("id") == null ? node : sv.get("id");
    if (id != null && request.typeOf(id) != Type.STRING) {
      yaml.error(idNode, "serving id column '" + id + "' is " + request.typeOf(id).specName()
          + "; it must be string (it gets a generated id)");
    }
    // The server sets these from the request: four different columns, none of them derived.
    Map<String, String> roleOf = new HashMap<>(Map.of(request.time(), "request time"));
    role(roleOf, user, "serving user", sv.get("user"));
    role(roleOf, item, "serving item", sv.get("item"));
    role(roleOf, id, "serving id", idNode);
    roleOf.putIfAbsent(request.key(), "request table's key");
    List<ServingPlan.Derived> derived = sv.get("columns") == null ? List.of() : derived(sv.get("columns"), roleOf);

    Yaml.Entries recall = sv.get("recall") == null ? null
        : yaml.mapping(sv.get("recall"), "recall", Set.of("recent", "popular"), Set.of());
    Yaml.Entries recent = recallSource(recall, "recent", Set.of("limit"));
    Yaml.Entries popular = recallSource(recall, "popular", Set.of("days", "limit"));
    if (recent != null && user != null && !windows.keepsPastRequests(user)) {
      yaml.error(recall.keys().get("recent"), "recall recent needs a window over past requests partitioned by '" + user
          + "' (no window keeps the user's past requests)");
    }
    int recentLimit = positive(recent, "limit");
    int popularDays = positive(popular, "days");
    int popularLimit = positive(popular, "limit");

    List<Expr> filters = sv.get("filters") == null ? List.of() : filters(sv.get("filters"));
    if (yaml.errorCount() != errorsBefore) {
      return null;
    }
    return new Serving(request, user, item, id, derived, filters, recentLimit, popularDays, popularLimit);
  }

  private String column(Node node, String role) {
    String column = yaml.scalar(node, role);
    if (column != null && request.indexOf(column) < 0) {
      yaml.error(node, "unknown column '" + column + "' in request table '" + request.name() + "' (serving " + role + ")");
      return null;
    }
    return column;
  }

  private void role(Map<String, String> roleOf, String column, String role, Node node) {
    String other = column == null ? null : roleOf.putIfAbsent(column, role);
    if (other != null) {
      yaml.error(node, "column '" + column + "' is both the " + other + " and the " + role);
    }
  }

  /** The derived request columns, in the order written; each reads only the columns set before it. */
  private List<ServingPlan.Derived> derived(Node node, Map<String, String> roleOf) {
    Yaml.Entries cols = yaml.mapping(node, "serving columns", null, Set.of());
    if (cols == null) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (String c : cols.values().keySet()) {
      if (request.indexOf(c) < 0) {
        yaml.error(cols.keys().get(c), "unknown column '" + c + "' in request table '" + request.name() + "' (serving columns)");
      } else if (roleOf.containsKey(c)) {
        yaml.error(cols.keys().get(c), "column '" + c + "' is the " + roleOf.get(c) + "; it cannot be derived");
      } else {
        names.add(c);
      }
    }
    List<ServingPlan.Derived> derived = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String c = names.get(i);
      Scope scope = new Scope.Serving(Set.copyOf(names.subList(i, names.size())));
      Expr e = exprs.compileColumnValue(cols.get(c), "serving column '" + c + "'", scope, request.typeOf(c));
      if (e != null) {
        derived.add(new ServingPlan.Derived(request.indexOf(c), e));
      }
    }
    return derived;
  }

  /** Boolean expressions over the output features, by name. */
  private List<Expr> filters(Node node) {
    List<Expr> filters = new ArrayList<>();
    List<Node> items = yaml.sequence(node, "filters");
    for (Node f : items == null ? List.<Node>of() : items) {
      Expr e = exprs.compileStandalone(f, "filter", new Scope.Filter(features));
      if (e != null && e.type != Type.BOOL) {
        yaml.error(f, "type mismatch: a filter must be bool, not " + e.type.specName());
      } else if (e != null) {
        filters.add(e);
      }
    }
    return filters;
  }

  /** A recall source ({@code recent}, {@code popular}) with all its keys, or null when absent. */
  private Yaml.Entries recallSource(Yaml.Entries recall, String source, Set<String> keys) {
    return recall == null || recall.get(source) == null ? null : yaml.mapping(recall.get(source), "recall " + source, keys, keys);
  }

  /** A whole number of at least 1; 0 when absent (or wrong: the error is reported). */
  private int positive(Yaml.Entries entries, String key) {
    if (entries == null || entries.get(key) == null) {
      return 0;
    }
    Integer v = yaml.integer(entries.get(key), key, 1);
    return v == null ? 0 : v;
  }
}
