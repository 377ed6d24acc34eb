package dev.tandem.spec.compile;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.def.WindowDef;
import dev.tandem.spec.eval.WindowGroup;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads the {@code windows} section: each window, in the group of windows over the same rows. */
final class WindowReader implements SectionReader<Windows> {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([smhd])");

  private final Yaml yaml;
  private final TableReader.Tables tables;
  private final TableDef request;
  private final WindowGroupReader groups;
  private final Declared<WindowDef> declared = new Declared<>();
  /** The groups read so far, by what their windows share; each group's windows and frames grow as windows are read. */
  private final Map<WindowGroupKey, Windows.Group> groupsByKey = new LinkedHashMap<>();

  WindowReader(Yaml yaml, TableReader.Tables tables, ZoneOffset zone) {
    this.yaml = yaml;
    this.tables = tables;
    this.request = tables.request();
    // joins are read after windows: a request_row expression knows none
    this.groups = new WindowGroupReader(yaml, request, new ExprCompiler(yaml, zone, request, Windows.none(), new WindowTerms(), new Declared<>()));
  }

  @Override
  public Windows read(Yaml.Entries spec) {
    Node node = spec.get("windows");
    Yaml.Entries entries = node == null ? null : yaml.mapping(node, "windows", null, Set.of());
    if (entries == null) {
      return windows();
    }
    for (Map.Entry<String, Node> e : entries.values().entrySet()) {
      Names.check(yaml, entries.keys().get(e.getKey()), Names.Kind.WINDOW, e.getKey());
      readWindow(e.getKey(), e.getValue());
      if (!declared.has(e.getKey())) {
        declared.addBroken(e.getKey());
      }
    }
    return windows();
  }

  private Windows windows() {
    return new Windows(declared, groupsByKey.values().stream()
        .map(g -> new Windows.Group(g.layout(), List.copyOf(g.windows()), List.copyOf(g.frames()))).toList());
  }

  private void readWindow(String windowName, Node node) {
    String what = "window '" + windowName + "'";
    Yaml.Entries w = yaml.mapping(node, what,
        Set.of("partition", "order", "rows", "range", "maxsize", "union", "instance_not_in_window", "request_row"),
        Set.of("partition"));
    if (w == null || w.get("partition") == null) {
      return;
    }
    List<Node> unionItems = List.of();
    if (w.get("union") != null) {
      unionItems = yaml.sequence(w.get("union"), "union");
      if (unionItems == null) {
        return;
      }
      if (unionItems.isEmpty()) {
        yaml.error(w.get("union"), "union of " + what + " lists no table");
        return;
      }
    }
    List<TableDef> union = unionTables(unionItems, what);
    boolean ok = union.size() == unionItems.size();
    String partition = yaml.scalar(w.get("partition"), "partition");
    if (partition == null) {
      return;
    }
    ok &= checkPartition(w.get("partition"), partition, union, unionItems, what);
    int rows = -1;
    long range = -1;
    int maxsize = -1;
    if (w.get("rows") != null && w.get("range") != null) {
      yaml.error(w.keys().get("range"), what + " has both 'rows' and 'range': choose one");
      ok = false;
    } else if (w.get("rows") == null && w.get("range") == null) {
      yaml.error(node, what + " needs 'rows' (a count of preceding rows) or 'range' (a duration like 14d)");
      ok = false;
    }
    if (w.get("rows") != null) {
      Integer r = yaml.integer(w.get("rows"), "rows", 0);
      ok &= r != null;
      rows = r == null ? -1 : r;
    }
    if (w.get("range") != null) {
      range = duration(w.get("range"));
      ok &= range >= 0;
    }
    if (w.get("maxsize") != null) {
      if (w.get("range") == null) {
        yaml.error(w.keys().get("maxsize"), "maxsize needs a range window ('range: 14d'); " + what + " has none");
        ok = false;
      } else {
        Integer m = yaml.integer(w.get("maxsize"), "maxsize", 1);
        ok &= m != null;
        maxsize = m == null ? -1 : m;
      }
    }
    boolean notInWindow = false;
    if (w.get("instance_not_in_window") != null) {
      Boolean b = yaml.bool(w.get("instance_not_in_window"), "instance_not_in_window");
      notInWindow = Boolean.TRUE.equals(b);
      if (union.isEmpty() && w.get("union") == null) {
        yaml.error(w.keys().get("instance_not_in_window"), "instance_not_in_window only applies to union windows");
        ok = false;
      }
    }
    if (w.get("request_row") != null && w.get("union") == null) {
      yaml.error(w.keys().get("request_row"), "request_row only applies to union windows");
      ok = false;
    }
    if (!ok) {
      return;
    }
    String order = order(w, union, node, what);
    if (order == null || !unionColumnsMatch(w, union)) {
      return;
    }
    WindowGroupKey shared = new WindowGroupKey(List.copyOf(union), partition, order, notInWindow,
        w.get("request_row") == null ? "" : requestRowText(w.get("request_row")));
    Windows.Group group = groupsByKey.get(shared);
    if (group == null) {
      WindowGroup.Layout layout = groups.read(shared, w.get("request_row"), node, what, groupsByKey.size());
      if (layout == null) {
        return;
      }
      group = new Windows.Group(layout, new ArrayList<>(), new ArrayList<>());
      groupsByKey.put(shared, group);
    }
    declared.add(windowName, new WindowDef(windowName, union.stream().map(TableDef::name).toList(), partition, order,
        rows, range, maxsize, notInWindow));
    group.windows().add(windowName);
    group.frames().add(new WindowGroup.Frame(rows, range, maxsize));
  }

  /** The union's valid tables (an invalid one is reported, unless it is a broken table). */
  private List<TableDef> unionTables(List<Node> items, String what) {
    List<TableDef> union = new ArrayList<>();
    for (Node item : items) {
      String tableName = yaml.scalar(item, "union table");
      TableDef t = tableName == null ? null : tables.declared().get(tableName);
      if (tableName != null && t == null) {
        if (!tables.declared().isBroken(tableName)) {
          yaml.error(item, "unknown table '" + tableName + "' in union of " + what + tables.declared().known());
        }
      } else if (t == request) {
        yaml.error(item, "the request table '" + tableName + "' cannot be a union table (its row is always in the window)");
      } else if (t != null) {
        union.add(t);
      }
    }
    return union;
  }

  /** The partition column must be in the request table and, of the same type, in every union table. */
  private boolean checkPartition(Node node, String partition, List<TableDef> union, List<Node> unionItems, String what) {
    boolean ok = true;
    if (request.indexOf(partition) < 0) {
      yaml.error(node, "unknown column '" + partition + "' in request table '" + request.name()
          + "' (partition of " + what + ")");
      ok = false;
    }
    for (int i = 0; i < union.size(); i++) {
      TableDef t = union.get(i);
      Node item = unionItems.get(i);
      if (t.indexOf(partition) < 0) {
        yaml.error(item, "union table '" + t.name() + "' has no partition column '" + partition + "'");
        ok = false;
      } else if (request.indexOf(partition) >= 0 && t.typeOf(partition) != request.typeOf(partition)) {
        yaml.error(item, "type mismatch: partition column '" + partition + "' is " + t.typeOf(partition).specName()
            + " in '" + t.name() + "' but " + request.typeOf(partition).specName() + " in '" + request.name() + "'");
        ok = false;
      }
    }
    return ok;
  }

  /** The order column: given, or the time column of the first union table (or of the request table); null on error. */
  private String order(Yaml.Entries w, List<TableDef> union, Node node, String what) {
    TableDef rowsTable = union.isEmpty() ? request : union.get(0);
    if (w.get("order") == null) {
      if (rowsTable.time() == null) {
        yaml.error(node, what + " needs 'order': table '" + rowsTable.name() + "' has no time column");
      }
      return rowsTable.time();
    }
    String order = yaml.scalar(w.get("order"), "order");
    if (order == null) {
      return null;
    }
    Type orderType = rowsTable.typeOf(order);
    if (orderType == null) {
      yaml.error(w.get("order"), "unknown column '" + order + "' (order of " + what + ")");
      return null;
    }
    if (!orderType.isTimeLike()) {
      yaml.error(w.get("order"), "order column '" + order + "' must be timestamp or bigint, not " + orderType.specName());
      return null;
    }
    return order;
  }

  /** Every union table after the first has the first one's columns, of the same types. */
  private boolean unionColumnsMatch(Yaml.Entries w, List<TableDef> union) {
    for (TableDef t : union.subList(Math.min(1, union.size()), union.size())) {
      for (TableDef.ColumnDef c : union.get(0).columns()) {
        if (t.typeOf(c.name()) != c.type()) {
          yaml.error(w.get("union"), "union table '" + t.name() + "' lacks column '" + c.name() + "' "
              + c.type().specName() + " of '" + union.get(0).name() + "'");
          return false;
        }
      }
    }
    return true;
  }

  private long duration(Node node) {
    String s = yaml.scalar(node, "range");
    if (s == null) {
      return -1;
    }
    Matcher m = DURATION.matcher(s.trim());
    if (!m.matches()) {
      yaml.error(node, "bad duration '" + s + "' (expected a number and a unit s, m, h or d, like 14d)");
      return -1;
    }
    long n = Long.parseLong(m.group(1));
    long unit = switch (m.group(2)) {
      case "s" -> 1000L;
      case "m" -> 60_000L;
      case "h" -> 3_600_000L;
      default -> 86_400_000L;
    };
    return n * unit;
  }

  /** The request_row as text, only to tell groups apart: {@link WindowGroupReader} reports what is wrong with it. */
  private String requestRowText(Node node) {
    Yaml.Entries e = new Yaml("", new ArrayList<>()).mapping(node, "request_row", null, Set.of());
    if (e == null) {
      return "?";
    }
    Map<String, String> sorted = new TreeMap<>();
    e.values().forEach((k, v) -> sorted.put(k, v instanceof ScalarNode s ? s.getValue() : "?"));
    return sorted.toString();
  }
}
