package dev.tandem.spec.compile;

import dev.tandem.spec.def.JoinDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.eval.JoinPlan;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads the {@code joins} section: each last join's table, columns, pick and order. */
final class JoinReader implements SectionReader<Declared<JoinPlan>> {
  private final Yaml yaml;
  private final TableReader.Tables tables;
  private final TableDef request;
  private final Declared<JoinPlan> joins = new Declared<>();

  JoinReader(Yaml yaml, TableReader.Tables tables) {
    this.yaml = yaml;
    this.tables = tables;
    this.request = tables.request();
  }

  @Override
  public Declared<JoinPlan> read(Yaml.Entries spec) {
    Node node = spec.get("joins");
    Yaml.Entries entries = node == null ? null : yaml.mapping(node, "joins", null, Set.of());
    if (entries == null) {
      return joins;
    }
    for (Map.Entry<String, Node> e : entries.values().entrySet()) {
      Names.check(yaml, entries.keys().get(e.getKey()), Names.Kind.JOIN, e.getKey());
      readJoin(e.getKey(), e.getValue());
      if (!joins.has(e.getKey())) {
        joins.addBroken(e.getKey());
      }
    }
    return joins;
  }

  private void readJoin(String joinName, Node node) {
    String what = "join '" + joinName + "'";
    Yaml.Entries j = yaml.mapping(node, what, Set.of("table", "on", "pick", "order"), Set.of("table", "on"));
    if (j == null || j.get("table") == null || j.get("on") == null) {
      return;
    }
    String tableName = yaml.scalar(j.get("table"), "table");
    TableDef t = tableName == null ? null : tables.declared().get(tableName);
    if (t == null) {
      if (tableName != null && !tables.declared().isBroken(tableName)) {
        yaml.error(j.get("table"), "unknown table '" + tableName + "' in " + what + tables.declared().known());
      }
      return;
    }
    String left;
    String right;
    Node onNode = j.get("on");
    Node leftNode = onNode;
    Node rightNode = onNode;
    if (onNode instanceof ScalarNode s) {
      left = s.getValue();
      right = s.getValue();
    } else {
      Yaml.Entries on = yaml.mapping(onNode, "on of " + what, null, Set.of());
      if (on == null) {
        return;
      }
      if (on.values().size() != 1) {
        yaml.error(onNode, "on of " + what + " must map one request column to one column of '" + tableName + "'");
        return;
      }
      left = on.values().keySet().iterator().next();
      leftNode = on.keys().get(left);
      rightNode = on.values().get(left);
      right = yaml.scalar(rightNode, "on");
      if (right == null) {
        return;
      }
    }
    boolean ok = true;
    if (request.indexOf(left) < 0) {
      yaml.error(leftNode, "unknown column '" + left + "' in request table '" + request.name() + "' (on of " + what + ")");
      ok = false;
    }
    if (t.indexOf(right) < 0) {
      yaml.error(rightNode, "unknown column '" + right + "' in table '" + tableName + "' (on of " + what + ")");
      ok = false;
    }
    if (ok && request.typeOf(left) != t.typeOf(right)) {
      yaml.error(onNode, "type mismatch: " + what + " compares " + request.typeOf(left).specName() + " '" + left
          + "' with " + t.typeOf(right).specName() + " '" + right + "'");
      ok = false;
    }
    JoinDef.Pick pick = JoinDef.Pick.LATEST;
    if (j.get("pick") != null) {
      pick = pick(j.get("pick"));
      ok &= pick != null;
    }
    String order = t.time();
    if (j.get("order") != null) {
      order = order(j.get("order"), t, what);
      if (order == null) {
        return;
      }
    }
    if (pick == JoinDef.Pick.POINT_IN_TIME && order == null) {
      yaml.error(node, "point_in_time " + what + " needs 'order': table '" + tableName + "' has no time column");
      ok = false;
    }
    if (!ok) {
      return;
    }
    JoinDef def = new JoinDef(joinName, tableName, left, right, pick, order);
    joins.add(joinName, new JoinPlan(joins.names().size(), def, t, request.indexOf(left), t.indexOf(right),
        order == null ? -1 : t.indexOf(order), request.indexOf(request.time())));
  }

  /** {@code latest} or {@code point_in_time}; null when wrong (reported). */
  private JoinDef.Pick pick(Node node) {
    String p = yaml.scalar(node, "pick");
    if (p == null) {
      return null;
    }
    return switch (p) {
      case "latest" -> JoinDef.Pick.LATEST;
      case "point_in_time" -> JoinDef.Pick.POINT_IN_TIME;
      default -> {
        yaml.error(node, "unknown pick '" + p + "' (expected latest or point_in_time)");
        yield null;
      }
    };
  }

  /** The order column given for the joined table; null when wrong (reported). */
  private String order(Node node, TableDef t, String what) {
    String order = yaml.scalar(node, "order");
    if (order == null) {
      return null;
    }
    if (t.indexOf(order) < 0) {
      yaml.error(node, "unknown column '" + order + "' in table '" + t.name() + "' (order of " + what + ")");
      return null;
    }
    if (!t.typeOf(order).isTimeLike()) {
      yaml.error(node, "order column '" + order + "' must be timestamp or bigint, not " + t.typeOf(order).specName());
      return null;
    }
    return order;
  }
}
