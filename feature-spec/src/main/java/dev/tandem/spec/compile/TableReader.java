package dev.tandem.spec.compile;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads the {@code tables} section: each table's role, key, time and typed columns. */
final class TableReader implements SectionReader<TableReader.Tables> {
  /** The tables read, and the request table among them (null when there is none). */
  record Tables(Declared<TableDef> declared, TableDef request) {}

  private final Yaml yaml;

  TableReader(Yaml yaml) {
    this.yaml = yaml;
  }

  @Override
  public Tables read(Yaml.Entries spec) {
    Node node = spec.get("tables");
    Node keyNode = spec.keys().get("tables");
    Declared<TableDef> tables = new Declared<>();
    Yaml.Entries entries = node == null ? null : yaml.mapping(node, "tables", null, Set.of());
    if (entries == null) {
      return new Tables(tables, null);
    }
    TableDef request = null;
    for (Map.Entry<String, Node> e : entries.values().entrySet()) {
      Names.check(yaml, entries.keys().get(e.getKey()), Names.Kind.TABLE, e.getKey());
      TableDef t = readTable(e.getKey(), e.getValue());
      if (t == null) {
        tables.addBroken(e.getKey());
        continue;
      }
      tables.add(t.name(), t);
      if (t.role() == TableDef.Role.REQUEST) {
        if (request != null) {
          yaml.error(e.getValue(), "table '" + t.name() + "' is a second request table (the first is '" + request.name() + "')");
        } else {
          request = t;
        }
      }
    }
    if (request == null && tables.names().size() == entries.values().size()) {
      yaml.error(keyNode, "no table has role: request");
    }
    return new Tables(tables, request);
  }

  private TableDef readTable(String tableName, Node node) {
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
        role = TableDef.Role.valueOf(roleText.toUpperCase(Locale.ROOT));
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
      Names.check(yaml, cols.keys().get(c.getKey()), Names.Kind.COLUMN, c.getKey());
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
    if (time != null && !typeIn(columns, time).isTimeLike()) {
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

  /** The column named by option {@code option} ({@code key}, {@code time}), or null when absent or unknown. */
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
}
