package dev.tandem.spec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Parses, validates and compiles a spec in one pass over its YAML nodes, so every error knows
 * its file, line and column. Errors are collected, not thrown one by one.
 */
final class SpecCompiler {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([smhd])");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");

  private final String file;
  private final String text;
  private final List<SpecError> errors = new ArrayList<>();
  private final Yaml yaml;

  private String name;
  private int version = 1;
  private ZoneOffset zone = ZoneOffset.ofHours(8);
  private final Map<String, TableDef> tables = new LinkedHashMap<>();
  private TableDef request;
  private final Map<String, WindowDef> windows = new LinkedHashMap<>();
  private final Map<String, WindowGroup> windowGroup = new HashMap<>();
  private final Map<String, Integer> windowFrame = new HashMap<>();
  private final List<WindowGroup> groups = new ArrayList<>();
  private final Map<String, JoinPlan> joins = new LinkedHashMap<>();
  private final List<FeatureDef> features = new ArrayList<>();
  private final Map<String, ScalarNode> featureExprNodes = new HashMap<>();
  private final Map<String, Expr> compiled = new HashMap<>();
  private final List<String> compiling = new ArrayList<>();
  private final Set<String> failed = new HashSet<>();
  private int termCount;
  private String label;
  private ModelDef model;
  /** The compiled serving section, built once the state plan exists (it names a store). */
  private Function<StatePlan, ServingPlan> serving;
  /** Declared but invalid (their errors reported): references to them are not reported again. */
  private final Set<String> brokenTables = new HashSet<>();
  private final Set<String> brokenWindows = new HashSet<>();
  private final Set<String> brokenJoins = new HashSet<>();

  SpecCompiler(String file, String text) {
    this.file = file;
    this.text = text;
    this.yaml = new Yaml(file, errors);
  }

  FeatureSpec compile() throws SpecException {
    Node root = yaml.compose(text);
    if (root == null) {
      if (errors.isEmpty()) {
        errors.add(new SpecError(file, 1, 1, "the spec is empty"));
      }
      throw new SpecException(errors);
    }
    Yaml.Entries top = yaml.mapping(root, "the spec",
        Set.of("name", "version", "timezone", "tables", "windows", "joins", "features", "label", "model", "serving"),
        Set.of("name", "tables", "features"));
    if (top == null) {
      throw new SpecException(errors);
    }
    readHeader(top);
    if (top.get("tables") != null) {
      readTables(top.get("tables"), top.keys().get("tables"));
    }
    if (request != null) {
      if (top.get("windows") != null) {
        readWindows(top.get("windows"));
      }
      if (top.get("joins") != null) {
        readJoins(top.get("joins"));
      }
      if (top.get("features") != null) {
        readFeatures(top.get("features"));
      }
      if (top.get("label") != null) {
        readLabel(top.get("label"));
      }
      if (top.get("model") != null) {
        readModel(top.get("model"));
      }
      if (top.get("serving") != null) {
        readServing(top.get("serving"));
      }
    }
    if (!errors.isEmpty()) {
      errors.sort((a, b) -> a.line() != b.line() ? Integer.compare(a.line(), b.line()) : Integer.compare(a.column(), b.column()));
      throw new SpecException(errors);
    }
    List<Expr> outputs = features.stream().map(f -> compiled.get(f.name())).toList();
    FeaturePlan plan = new FeaturePlan(request, groups, List.copyOf(joins.values()), features, outputs, termCount, tables);
    return new FeatureSpec(file, text, sha256(text), name, version, zone, List.copyOf(tables.values()),
        List.copyOf(windows.values()), joins.values().stream().map(JoinPlan::def).toList(), features, label, model, plan,
        serving == null ? null : serving.apply(plan.state()));
  }

  // ---------------------------------------------------------------- header and tables

  private void readHeader(Yaml.Entries top) {
    Node nameNode = top.get("name");
    if (nameNode != null) {
      name = yaml.scalar(nameNode, "name");
      if (name != null && !NAME.matcher(name).matches()) {
        yaml.error(nameNode, "bad spec name '" + name + "' (letters, digits, '_', '.', '-'; starting with a letter)");
      }
    }
    if (top.get("version") != null) {
      Integer v = yaml.integer(top.get("version"), "version", 1);
      version = v == null ? version : v;
    }
    if (top.get("timezone") != null) {
      String tz = yaml.scalar(top.get("timezone"), "timezone");
      try {
        zone = tz == null ? zone : ZoneOffset.of(tz);
      } catch (DateTimeException e) {
        yaml.error(top.get("timezone"), "bad timezone '" + tz + "' (expected an offset like +08:00 or Z)");
      }
    }
  }

  private void readTables(Node node, Node keyNode) {
    Yaml.Entries entries = yaml.mapping(node, "tables", null, Set.of());
    if (entries == null) {
      return;
    }
    for (Map.Entry<String, Node> e : entries.values().entrySet()) {
      TableDef t = readTable(e.getKey(), entries.keys().get(e.getKey()), e.getValue());
      if (t == null) {
        brokenTables.add(e.getKey());
        continue;
      }
      tables.put(t.name(), t);
      if (t.role() == TableDef.Role.REQUEST) {
        if (request != null) {
          yaml.error(e.getValue(), "table '" + t.name() + "' is a second request table (the first is '" + request.name() + "')");
        } else {
          request = t;
        }
      }
    }
    if (request == null && tables.size() == entries.values().size()) {
      yaml.error(keyNode, "no table has role: request");
    }
  }

  private TableDef readTable(String tableName, ScalarNode keyNode, Node node) {
    String what = "table '" + tableName + "'";
    Yaml.Entries t = yaml.mapping(node, what, Set.of("role", "key", "time", "columns"), Set.of("role", "columns"));
    if (t == null || t.get("role") == null || t.get("columns") == null) {
      return null;
    }
    boolean ok = true;
    TableDef.Role role = null;
    String roleText = yaml.scalar(t.get("role"), "role");
    if (roleText != null) {
      try {
        role = TableDef.Role.valueOf(roleText.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        yaml.error(t.get("role"), "unknown role '" + roleText + "' (expected request, event or dimension)");
      }
    }
    List<TableDef.ColumnDef> columns = new ArrayList<>();
    Yaml.Entries cols = yaml.mapping(t.get("columns"), "columns of " + what, null, Set.of());
    if (cols == null) {
      return null;
    }
    for (Map.Entry<String, Node> c : cols.values().entrySet()) {
      String typeName = yaml.scalar(c.getValue(), "type of column '" + c.getKey() + "'");
      Type type = typeName == null ? null : Type.fromSpecName(typeName.trim());
      if (typeName != null && type == null) {
        yaml.error(c.getValue(), "unknown type '" + typeName + "' for column '" + c.getKey() + "' (expected one of: " + Type.specNames() + ")");
      }
      if (type == null) {
        ok = false;
      } else {
        columns.add(new TableDef.ColumnDef(c.getKey(), type));
      }
    }
    if (columns.isEmpty() && ok) {
      yaml.error(t.get("columns"), what + " has no columns");
      ok = false;
    }
    String key = columnOption(t, "key", tableName, cols);
    String time = columnOption(t, "time", tableName, cols);
    if (time != null && !isTimeType(typeIn(columns, time))) {
      yaml.error(t.get("time"), "time column '" + time + "' of " + what + " must be timestamp or bigint, not " + typeIn(columns, time).specName());
      ok = false;
    }
    if (role == TableDef.Role.REQUEST && t.get("key") == null) {
      yaml.error(node, "request " + what + " needs 'key': the column that identifies a request");
      ok = false;
    }
    if ((role == TableDef.Role.REQUEST || role == TableDef.Role.EVENT) && t.get("time") == null) {
      yaml.error(node, roleText + " " + what + " needs 'time': its event-time column");
      ok = false;
    }
    if (role == null || !ok || (t.get("key") != null && key == null) || (t.get("time") != null && time == null)) {
      return null;
    }
    return new TableDef(tableName, role, key, time, columns);
  }

  private String columnOption(Yaml.Entries t, String option, String tableName, Yaml.Entries cols) {
    Node n = t.get(option);
    if (n == null) {
      return null;
    }
    String column = yaml.scalar(n, option);
    if (column != null && !cols.values().containsKey(column)) {
      yaml.error(n, "unknown column '" + column + "' in table '" + tableName + "'");
      return null;
    }
    return column;
  }

  private static Type typeIn(List<TableDef.ColumnDef> columns, String name) {
    return columns.stream().filter(c -> c.name().equals(name)).map(TableDef.ColumnDef::type).findFirst().orElse(Type.NULL);
  }

  private static boolean isTimeType(Type t) {
    return t == Type.TIMESTAMP || t == Type.BIGINT;
  }

  // ---------------------------------------------------------------- windows

  private void readWindows(Node node) {
    Yaml.Entries entries = yaml.mapping(node, "windows", null, Set.of());
    if (entries == null) {
      return;
    }
    Map<String, WindowGroup> groupsByKey = new HashMap<>();
    for (Map.Entry<String, Node> e : entries.values().entrySet()) {
      readWindow(e.getKey(), e.getValue(), groupsByKey);
      if (!windows.containsKey(e.getKey())) {
        brokenWindows.add(e.getKey());
      }
    }
  }

  private void readWindow(String windowName, Node node, Map<String, WindowGroup> groupsByKey) {
    String what = "window '" + windowName + "'";
    Yaml.Entries w = yaml.mapping(node, what,
        Set.of("partition", "order", "rows", "range", "maxsize", "union", "instance_not_in_window", "request_row"),
        Set.of("partition"));
    if (w == null || w.get("partition") == null) {
      return;
    }
    boolean ok = true;
    List<String> union = new ArrayList<>();
    List<TableDef> unionTables = new ArrayList<>();
    if (w.get("union") != null) {
      List<Node> items = yaml.sequence(w.get("union"), "union");
      if (items == null) {
        return;
      }
      if (items.isEmpty()) {
        yaml.error(w.get("union"), "union of " + what + " lists no table");
        return;
      }
      for (Node item : items) {
        String tableName = yaml.scalar(item, "union table");
        TableDef t = tableName == null ? null : tables.get(tableName);
        if (tableName != null && t == null) {
          if (!brokenTables.contains(tableName)) {
            yaml.error(item, "unknown table '" + tableName + "' in union of " + what + knownNames(tables.keySet()));
          }
          ok = false;
        } else if (t == request) {
          yaml.error(item, "the request table '" + tableName + "' cannot be a union table (its row is always in the window)");
          ok = false;
        } else if (t != null) {
          union.add(tableName);
          unionTables.add(t);
        } else {
          ok = false;
        }
      }
    }
    String partition = yaml.scalar(w.get("partition"), "partition");
    if (partition == null) {
      return;
    }
    if (request.indexOf(partition) < 0) {
      yaml.error(w.get("partition"), "unknown column '" + partition + "' in request table '" + request.name() + "' (partition of " + what + ")");
      ok = false;
    }
    for (int i = 0; i < unionTables.size(); i++) {
      TableDef t = unionTables.get(i);
      Node item = yaml.sequence(w.get("union"), "union").get(i);
      if (t.indexOf(partition) < 0) {
        yaml.error(item, "union table '" + t.name() + "' has no partition column '" + partition + "'");
        ok = false;
      } else if (request.indexOf(partition) >= 0 && t.typeOf(partition) != request.typeOf(partition)) {
        yaml.error(item, "type mismatch: partition column '" + partition + "' is " + t.typeOf(partition).specName()
            + " in '" + t.name() + "' but " + request.typeOf(partition).specName() + " in '" + request.name() + "'");
        ok = false;
      }
    }
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
    List<TableDef.ColumnDef> columns = union.isEmpty() ? request.columns() : unionTables.get(0).columns();
    String order;
    if (w.get("order") != null) {
      order = yaml.scalar(w.get("order"), "order");
      if (order == null) {
        return;
      }
      Type orderType = typeIn(columns, order);
      if (orderType == Type.NULL) {
        yaml.error(w.get("order"), "unknown column '" + order + "' (order of " + what + ")");
        return;
      }
      if (!isTimeType(orderType)) {
        yaml.error(w.get("order"), "order column '" + order + "' must be timestamp or bigint, not " + orderType.specName());
        return;
      }
    } else {
      order = union.isEmpty() ? request.time() : unionTables.get(0).time();
      if (order == null) {
        yaml.error(node, what + " needs 'order': table '" + union.get(0) + "' has no time column");
        return;
      }
    }
    for (TableDef t : unionTables.subList(Math.min(1, unionTables.size()), unionTables.size())) {
      for (TableDef.ColumnDef c : columns) {
        if (t.typeOf(c.name()) != c.type()) {
          yaml.error(w.get("union"), "union table '" + t.name() + "' lacks column '" + c.name() + "' "
              + c.type().specName() + " of '" + union.get(0) + "'");
          return;
        }
      }
    }
    String groupKey = String.join(",", union) + "|" + partition + "|" + order + "|" + notInWindow + "|"
        + (w.get("request_row") == null ? "" : requestRowText(w.get("request_row")));
    WindowGroup group = groupsByKey.get(groupKey);
    if (group == null) {
      group = newGroup(union, unionTables, partition, order, columns, notInWindow, w.get("request_row"), node, what);
      if (group == null) {
        return;
      }
      groupsByKey.put(groupKey, group);
      groups.add(group);
    }
    WindowDef def = new WindowDef(windowName, List.copyOf(union), partition, order, rows, range, maxsize, notInWindow);
    windows.put(windowName, def);
    windowGroup.put(windowName, group);
    windowFrame.put(windowName, group.frames.size());
    group.windowNames.add(windowName);
    group.frames.add(new WindowGroup.Frame(rows, range, maxsize));
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

  private String requestRowText(Node node) {
    // only a grouping key: newGroup reports what is wrong with the request_row
    Yaml.Entries e = new Yaml(file, new ArrayList<>()).mapping(node, "request_row", null, Set.of());
    if (e == null) {
      return "?";
    }
    Map<String, String> sorted = new TreeMap<>();
    e.values().forEach((k, v) -> sorted.put(k, v instanceof ScalarNode s ? s.getValue() : "?"));
    return sorted.toString();
  }

  private WindowGroup newGroup(List<String> union, List<TableDef> unionTables, String partition, String order,
      List<TableDef.ColumnDef> columns, boolean notInWindow, Node requestRowNode, Node windowNode, String what) {
    List<String> sources = new ArrayList<>();
    sources.add(request.name());
    sources.addAll(union);
    int[] partitionIndex = new int[sources.size()];
    partitionIndex[0] = request.indexOf(partition);
    int[][] unionProjection = new int[unionTables.size()][];
    for (int u = 0; u < unionTables.size(); u++) {
      TableDef t = unionTables.get(u);
      partitionIndex[u + 1] = t.indexOf(partition);
      unionProjection[u] = columns.stream().mapToInt(c -> t.indexOf(c.name())).toArray();
    }
    Expr[] projection = new Expr[columns.size()];
    Map<String, Node> given = new HashMap<>();
    if (requestRowNode != null) {
      Yaml.Entries e = yaml.mapping(requestRowNode, "request_row of " + what, null, Set.of());
      if (e == null) {
        return null;
      }
      for (Map.Entry<String, Node> g : e.values().entrySet()) {
        if (typeIn(columns, g.getKey()) == Type.NULL) {
          yaml.error(e.keys().get(g.getKey()), "unknown column '" + g.getKey() + "' in request_row of " + what
              + " (the window's columns are those of '" + union.get(0) + "')");
          return null;
        }
        given.put(g.getKey(), g.getValue());
      }
    }
    boolean ok = true;
    for (int i = 0; i < columns.size(); i++) {
      TableDef.ColumnDef c = columns.get(i);
      Node exprNode = given.get(c.name());
      if (exprNode != null) {
        Expr e = compileStandalone(exprNode, "request_row value of '" + c.name() + "'", Scope.PROJECTION);
        if (e == null) {
          ok = false;
          continue;
        }
        try {
          projection[i] = Coercion.to(c.type(), e, 0, zone);
        } catch (CompileError err) {
          yaml.error(exprNode, "type mismatch: request_row value of '" + c.name() + "' is " + e.type.specName()
              + " but the column is " + c.type().specName());
          ok = false;
        }
      } else if (request.typeOf(c.name()) == c.type()) {
        projection[i] = new Expr.RequestColumn(request.indexOf(c.name()), c.type());
      } else {
        yaml.error(requestRowNode == null ? windowNode : requestRowNode,
            "request_row of " + what + " must give column '" + c.name() + "' (" + c.type().specName()
            + "): the request table has no such column of that type");
        ok = false;
      }
    }
    if (!ok) {
      return null;
    }
    int orderIndex = 0;
    while (!columns.get(orderIndex).name().equals(order)) {
      orderIndex++;
    }
    boolean requestRowsInHistory = union.isEmpty() || !notInWindow;
    return new WindowGroup(groups.size(), sources, partition, partitionIndex, columns, projection, unionProjection,
        orderIndex, requestRowsInHistory);
  }

  // ---------------------------------------------------------------- joins

  private void readJoins(Node node) {
    Yaml.Entries entries = yaml.mapping(node, "joins", null, Set.of());
    if (entries == null) {
      return;
    }
    for (Map.Entry<String, Node> e : entries.values().entrySet()) {
      readJoin(e.getKey(), e.getValue());
      if (!joins.containsKey(e.getKey())) {
        brokenJoins.add(e.getKey());
      }
    }
  }

  private void readJoin(String joinName, Node node) {
    String what = "join '" + joinName + "'";
    Yaml.Entries j = yaml.mapping(node, what, Set.of("table", "on", "pick", "order"), Set.of("table", "on"));
    if (j == null || j.get("table") == null || j.get("on") == null) {
      return;
    }
    String tableName = yaml.scalar(j.get("table"), "table");
    TableDef t = tableName == null ? null : tables.get(tableName);
    if (t == null) {
      if (tableName != null && !brokenTables.contains(tableName)) {
        yaml.error(j.get("table"), "unknown table '" + tableName + "' in " + what + knownNames(tables.keySet()));
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
      String p = yaml.scalar(j.get("pick"), "pick");
      if (p == null) {
        ok = false;
      } else if ("latest".equals(p)) {
        pick = JoinDef.Pick.LATEST;
      } else if ("point_in_time".equals(p)) {
        pick = JoinDef.Pick.POINT_IN_TIME;
      } else {
        yaml.error(j.get("pick"), "unknown pick '" + p + "' (expected latest or point_in_time)");
        ok = false;
      }
    }
    String order = t.time();
    if (j.get("order") != null) {
      order = yaml.scalar(j.get("order"), "order");
      if (order == null) {
        return;
      }
      if (t.indexOf(order) < 0) {
        yaml.error(j.get("order"), "unknown column '" + order + "' in table '" + tableName + "' (order of " + what + ")");
        return;
      }
      if (order != null && !isTimeType(t.typeOf(order))) {
        yaml.error(j.get("order"), "order column '" + order + "' must be timestamp or bigint, not " + t.typeOf(order).specName());
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
    joins.put(joinName, new JoinPlan(joins.size(), def, t, request.indexOf(left), t.indexOf(right),
        order == null ? -1 : t.indexOf(order), request.indexOf(request.time())));
  }

  // ---------------------------------------------------------------- features

  private void readFeatures(Node node) {
    List<Node> items = yaml.sequence(node, "features");
    if (items == null) {
      return;
    }
    Map<String, Node> nameNodes = new HashMap<>();
    Map<String, Node> overNodes = new HashMap<>();
    for (Node item : items) {
      Yaml.Entries f = yaml.mapping(item, "a feature", Set.of("name", "expr", "over"), Set.of("name", "expr"));
      if (f == null || f.get("name") == null || f.get("expr") == null) {
        continue;
      }
      String featureName = yaml.scalar(f.get("name"), "name");
      String expr = yaml.scalar(f.get("expr"), "expr");
      if (featureName == null || expr == null) {
        continue;
      }
      if (nameNodes.containsKey(featureName)) {
        yaml.error(f.get("name"), "duplicate feature '" + featureName + "' (first defined at line "
            + yaml.pos(nameNodes.get(featureName)).line() + ")");
        continue;
      }
      String over = null;
      if (f.get("over") != null) {
        over = yaml.scalar(f.get("over"), "over");
        if (over == null) {
          failed.add(featureName);
        } else if (!windows.containsKey(over)) {
          if (!brokenWindows.contains(over)) {
            yaml.error(f.get("over"), "unknown window '" + over + "'" + knownNames(windows.keySet()));
          }
          failed.add(featureName);
        }
        overNodes.put(featureName, f.get("over"));
      }
      nameNodes.put(featureName, f.get("name"));
      featureExprNodes.put(featureName, (ScalarNode) f.get("expr"));
      features.add(new FeatureDef(featureName, expr, over, null));
    }
    for (int i = 0; i < features.size(); i++) {
      FeatureDef f = features.get(i);
      Expr e = feature(f.name());
      if (e != null) {
        features.set(i, new FeatureDef(f.name(), f.expr(), f.over(), e.type));
        if (e.type == Type.NULL) {
          yaml.error(featureExprNodes.get(f.name()), "feature '" + f.name() + "' is always NULL and has no type; cast it, e.g. int(null)");
        }
      }
    }
    for (Map.Entry<String, Node> o : overNodes.entrySet()) {
      if (!failed.contains(o.getKey()) && !usesDefaultWindow.contains(o.getKey())) {
        yaml.error(o.getValue(), "feature '" + o.getKey() + "' declares 'over' but uses no window function");
      }
    }
  }

  private final Set<String> usesDefaultWindow = new HashSet<>();

  /** Compiles a feature once; null when it (or a feature it uses) has an error already reported. */
  private Expr feature(String featureName) {
    Expr done = compiled.get(featureName);
    if (done != null || failed.contains(featureName)) {
      return done;
    }
    ScalarNode node = featureExprNodes.get(featureName);
    FeatureDef def = features.stream().filter(f -> f.name().equals(featureName)).findFirst().orElseThrow();
    compiling.add(featureName);
    try {
      Ast ast = ExprParser.parse(node.getValue());
      Expr e = compile(ast, new Scope(Scope.Kind.FEATURE, def, null, Set.of()));
      compiled.put(featureName, e);
      return e;
    } catch (ExprParser.SyntaxError err) {
      errors.add(yaml.pos(node, err.at).error("syntax error in '" + featureName + "': " + err.getMessage()));
    } catch (CompileError err) {
      if (err.at >= 0) {
        errors.add(yaml.pos(node, err.at).error(err.getMessage()));
      }
    } finally {
      compiling.remove(compiling.size() - 1);
    }
    failed.add(featureName);
    return null;
  }

  /** Compiles an expression that is not a feature (a request_row value, a serving column or filter). */
  private Expr compileStandalone(Node node, String what, Scope scope) {
    String source = yaml.scalar(node, what);
    if (source == null) {
      return null;
    }
    ScalarNode s = (ScalarNode) node;
    try {
      if (source.isBlank()) {
        throw new ExprParser.SyntaxError("empty expression (write '' for an empty string)", 0);
      }
      return compile(ExprParser.parse(source), scope);
    } catch (ExprParser.SyntaxError err) {
      errors.add(yaml.pos(s, err.at).error("syntax error in " + what + ": " + err.getMessage()));
    } catch (CompileError err) {
      if (err.at >= 0) {
        errors.add(yaml.pos(s, err.at).error(err.getMessage()));
      }
    }
    return null;
  }

  /**
   * Where names resolve: a feature (request row, joins, features), a window row, a request_row
   * projection (request row), a serving column (request row, but not the {@code unset} columns)
   * or a serving filter (output features).
   */
  private record Scope(Kind kind, FeatureDef feature, String window, Set<String> unset) {
    enum Kind {
      FEATURE(null), WINDOW_ROW(null), PROJECTION("request_row"), SERVING("serving columns"), FILTER("serving filters");

      /** Where window functions are not allowed, for messages; null where they are. */
      final String place;

      Kind(String place) {
        this.place = place;
      }
    }

    static final Scope PROJECTION = new Scope(Kind.PROJECTION, null, null, Set.of());
    static final Scope FILTER = new Scope(Kind.FILTER, null, null, Set.of());
  }

  private Expr compile(Ast ast, Scope scope) throws CompileError {
    if (ast instanceof Ast.Literal lit) {
      return new Expr.Constant(lit.value(), lit.type());
    }
    if (ast instanceof Ast.Name n) {
      return name(n, scope);
    }
    if (ast instanceof Ast.Call call) {
      return call(call, scope);
    }
    if (ast instanceof Ast.Unary u) {
      Expr operand = compile(u.operand(), scope);
      if (u.op().equals("not")) {
        Coercion.require(operand, Type.BOOL, "not", u.at());
        return new Expr.Not(operand);
      }
      if (!operand.type.isNumeric() && operand.type != Type.NULL) {
        throw new CompileError("type mismatch: '-' needs a number, not " + operand.type.specName(), u.at());
      }
      return new Expr.Negate(operand);
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
      Coercion.require(cond, Type.BOOL, "case when", c.conditions().get(i).at());
      conditions.add(cond);
      results.add(compile(c.results().get(i), scope));
    }
    Expr otherwise = c.otherwise() == null ? null : compile(c.otherwise(), scope);
    return Coercion.caseOf(conditions, results, otherwise, c.at(), zone);
  }

  private Expr binary(Ast.Binary b, Scope scope) throws CompileError {
    Expr l = compile(b.left(), scope);
    Expr r = compile(b.right(), scope);
    String op = b.op();
    switch (op) {
      case "and":
      case "or":
        Coercion.require(l, Type.BOOL, "'" + op + "'", b.left().at());
        Coercion.require(r, Type.BOOL, "'" + op + "'", b.right().at());
        return new Expr.Logic(op.equals("and"), l, r);
      case "=":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=": {
        Type common = Casts.common(l.type, r.type);
        if (common == null) {
          throw new CompileError("type mismatch: cannot compare " + l.type.specName() + " with " + r.type.specName(), b.at());
        }
        if (common == Type.NULL) {
          return new Expr.Constant(null, Type.BOOL);
        }
        return new Expr.Compare(op, Coercion.to(common, l, b.at(), zone), Coercion.to(common, r, b.at(), zone), common);
      }
      default: {
        boolean lOk = l.type.isNumeric() || l.type == Type.NULL;
        boolean rOk = r.type.isNumeric() || r.type == Type.NULL;
        if (!lOk || !rOk) {
          throw new CompileError("type mismatch: '" + op + "' needs numbers, got " + l.type.specName() + " and "
              + r.type.specName() + (op.equals("+") ? " (use concat() for strings)" : ""), b.at());
        }
        Type type = op.equals("/") ? Type.DOUBLE : Casts.common(l.type, r.type);
        if (type == Type.NULL) {
          type = Type.INT;
        }
        return new Expr.Arithmetic(op.charAt(0), Coercion.to(type, l, b.at(), zone), Coercion.to(type, r, b.at(), zone), type);
      }
    }
  }

  private Expr name(Ast.Name n, Scope scope) throws CompileError {
    if (scope.kind() == Scope.Kind.FILTER) {
      return filterFeature(n);
    }
    if (scope.kind() == Scope.Kind.WINDOW_ROW) {
      List<TableDef.ColumnDef> columns = windowGroup.get(scope.window()).columns();
      if (n.qualifier() == null) {
        for (int i = 0; i < columns.size(); i++) {
          if (columns.get(i).name().equals(n.name())) {
            return new Expr.RowColumn(i, columns.get(i).type());
          }
        }
      }
      throw new CompileError("unknown column '" + n.display() + "' in window '" + scope.window() + "'"
          + knownNames(columns.stream().map(TableDef.ColumnDef::name).toList()), n.at());
    }
    if (n.qualifier() != null) {
      if (scope.kind() == Scope.Kind.FEATURE && joins.containsKey(n.qualifier())) {
        JoinPlan j = joins.get(n.qualifier());
        TableDef t = tables.get(j.table());
        int i = t.indexOf(n.name());
        if (i < 0) {
          throw new CompileError("unknown column '" + n.name() + "' in table '" + t.name() + "' (join '" + n.qualifier() + "')", n.at());
        }
        return new Expr.JoinColumn(j.index(), i, t.columns().get(i).type());
      }
      if (scope.kind() == Scope.Kind.FEATURE && brokenJoins.contains(n.qualifier())) {
        throw new CompileError("already reported", -1);
      }
      if (n.qualifier().equals(request.name())) {
        return name(new Ast.Name(null, n.name(), n.at()), scope);
      }
      throw new CompileError("unknown join '" + n.qualifier() + "'" + knownNames(joins.keySet()), n.at());
    }
    int i = request.indexOf(n.name());
    if (i >= 0 && scope.unset().contains(n.name())) {
      throw new CompileError("column '" + n.name() + "' is not set yet: serving columns are derived in the order written", n.at());
    }
    if (i >= 0) {
      return new Expr.RequestColumn(i, request.columns().get(i).type());
    }
    if (scope.kind() == Scope.Kind.FEATURE && featureExprNodes.containsKey(n.name())) {
      if (compiling.contains(n.name())) {
        List<String> cycle = new ArrayList<>(compiling.subList(compiling.indexOf(n.name()), compiling.size()));
        cycle.add(n.name());
        throw new CompileError("cyclic reference: " + String.join(" -> ", cycle), n.at());
      }
      Expr e = feature(n.name());
      if (e == null) {
        throw new CompileError("already reported", -1);
      }
      return e;
    }
    throw new CompileError("unknown column '" + n.name() + "' (not a column of request table '" + request.name()
        + "'" + (scope.kind() == Scope.Kind.FEATURE ? ", nor a feature" : "") + ")", n.at());
  }

  private Expr call(Ast.Call call, Scope scope) throws CompileError {
    FunctionDef fn = Functions.get(call.function());
    if (fn != null && fn.readsWindow()) {
      return windowCall(call, scope);
    }
    if (call.over() != null) {
      throw new CompileError("'over' applies to window functions only; " + call.function() + "() is not one", call.overAt());
    }
    if (fn == null) {
      throw new CompileError("unknown function '" + call.function() + "'", call.at());
    }
    List<Expr> args = new ArrayList<>();
    for (Ast a : call.args()) {
      args.add(compile(a, scope));
    }
    return fn.bind(call, args, zone);
  }

  private Expr windowCall(Ast.Call call, Scope scope) throws CompileError {
    if (scope.kind().place != null) {
      throw new CompileError("window function " + call.function() + "() is not allowed in " + scope.kind().place, call.at());
    }
    String window = call.over();
    if (window != null && !windows.containsKey(window)) {
      if (brokenWindows.contains(window)) {
        throw new CompileError("already reported", -1);
      }
      throw new CompileError("unknown window '" + window + "'" + knownNames(windows.keySet()), call.overAt());
    }
    if (scope.kind() == Scope.Kind.WINDOW_ROW) {
      if (window != null && !window.equals(scope.window())) {
        throw new CompileError("a window function inside another must use the same window ('" + scope.window() + "')", call.overAt());
      }
      return bindWindowCall(call, scope.window());
    }
    if (window == null) {
      window = scope.feature().over();
      if (window == null) {
        throw new CompileError(call.function() + "() needs a window: add 'over: <window>' to the feature or write '"
            + call.function() + "(...) over <window>'", call.at());
      }
      usesDefaultWindow.add(scope.feature().name());
    }
    Expr body = bindWindowCall(call, window);
    WindowGroup g = windowGroup.get(window);
    g.terms.add(body);
    g.termFrame.add(windowFrame.get(window));
    g.termGlobalIndex.add(termCount);
    return new Expr.TermValue(termCount++, body.type);
  }

  private Expr bindWindowCall(Ast.Call call, String window) throws CompileError {
    Scope rowScope = new Scope(Scope.Kind.WINDOW_ROW, null, window, Set.of());
    List<Expr> args = new ArrayList<>();
    for (Ast a : call.args()) {
      args.add(compile(a, rowScope));
    }
    return Functions.get(call.function()).bind(call, args, zone);
  }

  // ---------------------------------------------------------------- label and model

  private void readLabel(Node node) {
    label = yaml.scalar(node, "label");
    if (label != null && !compiled.containsKey(label) && !featureExprNodes.containsKey(label)) {
      yaml.error(node, "label '" + label + "' is not a feature");
      label = null;
    } else if (label != null && compiled.get(label) != null
        && compiled.get(label).type != Type.INT && compiled.get(label).type != Type.BIGINT) {
      // Training counts positives and the trainer reads 0/1 labels: a bool or a float would be misread.
      yaml.error(node, "label '" + label + "' is " + compiled.get(label).type.specName()
          + "; a label must be an int or bigint (1 = positive, 0 = negative), e.g. if(cond, 1, 0)");
      label = null;
    }
  }

  private void readModel(Node node) {
    Yaml.Entries m = yaml.mapping(node, "model", Set.of("seed", "inputs"), Set.of("inputs"));
    if (m == null || m.get("inputs") == null) {
      return;
    }
    long seed = 0;
    if (m.get("seed") != null) {
      Integer s = yaml.integer(m.get("seed"), "seed", 0);
      seed = s == null ? 0 : s;
    }
    List<Node> items = yaml.sequence(m.get("inputs"), "inputs");
    if (items == null) {
      return;
    }
    List<ModelDef.Input> inputs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Node item : items) {
      ModelDef.Input input = readModelInput(item);
      if (input == null) {
        continue;
      }
      if (!seen.add(input.feature())) {
        yaml.error(item, "duplicate model input '" + input.feature() + "'");
      } else {
        inputs.add(input);
      }
    }
    if (inputs.isEmpty() && errors.isEmpty()) {
      yaml.error(m.get("inputs"), "model has no inputs");
    }
    model = new ModelDef(seed, List.copyOf(inputs));
  }

  private ModelDef.Input readModelInput(Node item) {
    String feature;
    Node featureNode;
    Node encodeNode = null;
    if (item instanceof ScalarNode s) {
      feature = s.getValue();
      featureNode = item;
    } else {
      Yaml.Entries e = yaml.mapping(item, "a model input", Set.of("feature", "encode"), Set.of("feature"));
      if (e == null || e.get("feature") == null) {
        return null;
      }
      featureNode = e.get("feature");
      feature = yaml.scalar(featureNode, "feature");
      encodeNode = e.get("encode");
    }
    if (feature == null) {
      return null;
    }
    FeatureDef def = features.stream().filter(f -> f.name().equals(feature)).findFirst().orElse(null);
    if (def == null) {
      yaml.error(featureNode, "unknown feature '" + feature + "' in model inputs");
      return null;
    }
    if (feature.equals(label)) {
      yaml.error(featureNode, "the label '" + feature + "' cannot be a model input");
      return null;
    }
    if (encodeNode == null) {
      return new ModelDef.Input(feature, ModelDef.Encoding.HASH, List.of());
    }
    if (encodeNode instanceof ScalarNode s) {
      if (s.getValue().equals("hash")) {
        return new ModelDef.Input(feature, ModelDef.Encoding.HASH, List.of());
      }
      yaml.error(encodeNode, "unknown encoding '" + s.getValue() + "' (expected hash or {buckets: [...]})");
      return null;
    }
    Yaml.Entries enc = yaml.mapping(encodeNode, "encode", Set.of("buckets"), Set.of("buckets"));
    if (enc == null || enc.get("buckets") == null) {
      return null;
    }
    if (def.type() != null && !def.type().isNumeric()) {
      yaml.error(encodeNode, "buckets need a numeric feature; '" + feature + "' is " + def.type().specName());
      return null;
    }
    List<Node> bounds = yaml.sequence(enc.get("buckets"), "buckets");
    if (bounds == null) {
      return null;
    }
    List<Double> boundaries = new ArrayList<>();
    String previous = null;
    for (Node b : bounds) {
      String v = yaml.scalar(b, "bucket boundary");
      if (v == null) {
        return null;
      }
      try {
        double d = Double.parseDouble(v);
        if (!boundaries.isEmpty() && d <= boundaries.get(boundaries.size() - 1)) {
          yaml.error(b, "bucket boundaries must increase: " + v + " after " + previous);
          return null;
        }
        boundaries.add(d);
        previous = v;
      } catch (NumberFormatException | NullPointerException e) {
        yaml.error(b, "bucket boundary must be a number, got '" + v + "'");
        return null;
      }
    }
    return new ModelDef.Input(feature, ModelDef.Encoding.BUCKETS, List.copyOf(boundaries));
  }

  // ---------------------------------------------------------------- serving

  private void readServing(Node node) {
    Yaml.Entries sv = yaml.mapping(node, "serving", Set.of("user", "item", "id", "columns", "recall", "filters"),
        Set.of("user", "item"));
    if (sv == null || sv.get("user") == null || sv.get("item") == null) {
      return;
    }
    int errorsBefore = errors.size();
    String user = servingColumn(sv.get("user"), "user");
    String item = servingColumn(sv.get("item"), "item");
    String id = sv.get("id") == null ? request.key() : servingColumn(sv.get("id"), "id");
    Node idNode = sv.get("id") == null ? node : sv.get("id");
    if (id != null && request.typeOf(id) != Type.STRING) {
      yaml.error(idNode, "serving id column '" + id + "' is " + request.typeOf(id).specName()
          + "; it must be string (it gets a generated id)");
    }
    // The server sets these from the request: four different columns, none of them derived.
    Map<String, String> roleOf = new HashMap<>(Map.of(request.time(), "request time"));
    servingRole(roleOf, user, "serving user", sv.get("user"));
    servingRole(roleOf, item, "serving item", sv.get("item"));
    servingRole(roleOf, id, "serving id", idNode);
    roleOf.putIfAbsent(request.key(), "request table's key");
    List<ServingPlan.Derived> derived = sv.get("columns") == null ? List.of() : readDerived(sv.get("columns"), roleOf);

    Yaml.Entries recall = sv.get("recall") == null ? null
        : yaml.mapping(sv.get("recall"), "recall", Set.of("recent", "popular"), Set.of());
    Yaml.Entries recent = recallSource(recall, "recent", Set.of("limit"));
    Yaml.Entries popular = recallSource(recall, "popular", Set.of("days", "limit"));
    if (recent != null && user != null
        && groups.stream().noneMatch(g -> g.requestRowsInHistory() && g.partitionColumn().equals(user))) {
      yaml.error(recall.keys().get("recent"), "recall recent needs a window over past requests partitioned by '" + user
          + "' (no window keeps the user's past requests)");
    }
    int recentLimit = positive(recent, "limit");
    int popularDays = positive(popular, "days");
    int popularLimit = positive(popular, "limit");

    List<Expr> filters = sv.get("filters") == null ? List.of() : readFilters(sv.get("filters"));
    if (errors.size() == errorsBefore) {
      serving = state -> new ServingPlan(request, user, item, id, derived, filters, recentLimit, popularDays, popularLimit, state);
    }
  }

  private String servingColumn(Node node, String role) {
    String column = yaml.scalar(node, role);
    if (column != null && request.indexOf(column) < 0) {
      yaml.error(node, "unknown column '" + column + "' in request table '" + request.name() + "' (serving " + role + ")");
      return null;
    }
    return column;
  }

  private void servingRole(Map<String, String> roleOf, String column, String role, Node node) {
    String other = column == null ? null : roleOf.putIfAbsent(column, role);
    if (other != null) {
      yaml.error(node, "column '" + column + "' is both the " + other + " and the " + role);
    }
  }

  /** The derived request columns, in the order written; each reads only the columns set before it. */
  private List<ServingPlan.Derived> readDerived(Node node, Map<String, String> roleOf) {
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
      Node exprNode = cols.get(c);
      Scope scope = new Scope(Scope.Kind.SERVING, null, null, Set.copyOf(names.subList(i, names.size())));
      Expr e = compileStandalone(exprNode, "serving column '" + c + "'", scope);
      if (e == null) {
        continue;
      }
      try {
        derived.add(new ServingPlan.Derived(request.indexOf(c), Coercion.to(request.typeOf(c), e, 0, zone)));
      } catch (CompileError err) {
        yaml.error(exprNode, "type mismatch: serving column '" + c + "' is " + e.type.specName() + " but the column is "
            + request.typeOf(c).specName());
      }
    }
    return derived;
  }

  /** Boolean expressions over the output features, by name. */
  private List<Expr> readFilters(Node node) {
    List<Expr> filters = new ArrayList<>();
    List<Node> items = yaml.sequence(node, "filters");
    for (Node f : items == null ? List.<Node>of() : items) {
      Expr e = compileStandalone(f, "filter", Scope.FILTER);
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

  /** A feature read by a serving filter: filters run over the feature row, in the request row's place. */
  private Expr filterFeature(Ast.Name n) throws CompileError {
    for (int i = 0; i < features.size(); i++) {
      FeatureDef f = features.get(i);
      if (f.name().equals(n.display())) {
        if (f.type() == null) {
          throw new CompileError("already reported", -1);
        }
        return new Expr.RequestColumn(i, f.type());
      }
    }
    throw new CompileError("unknown feature '" + n.display() + "' in serving filters", n.at());
  }

  // ---------------------------------------------------------------- helpers

  private static String knownNames(java.util.Collection<String> names) {
    return names.isEmpty() ? "" : " (known: " + String.join(", ", names) + ")";
  }

  private static String sha256(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (byte b : d) {
        sb.append(String.format("%02x", b));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
