package dev.tandem.online.server;

import dev.tandem.online.HttpError;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import java.util.HashSet;
import java.util.Set;

/**
 * The columns a request-time overlay ({@code values}, {@code events}) may set: the server's
 * {@code overlay-columns} setting, checked against the spec when the server starts.
 */
final class OverlayColumns {
  private final boolean all;
  private final Set<String> allowed; // "table.column" or "table.*"

  private OverlayColumns(boolean all, Set<String> allowed) {
    this.all = all;
    this.allowed = allowed;
  }

  /** {@code *}, or {@code table.column} and {@code table.*} separated by commas; empty: none. */
  static OverlayColumns parse(String text, FeatureSpec spec) {
    if (text.trim().equals("*")) {
      return new OverlayColumns(true, Set.of());
    }
    Set<String> allowed = new HashSet<>();
    for (String entry : text.split(",")) {
      String name = entry.trim();
      if (name.isEmpty()) {
        continue;
      }
      int dot = name.indexOf('.');
      TableDef table = dot < 0 ? null : spec.table(name.substring(0, dot));
      String column = dot < 0 ? null : name.substring(dot + 1);
      if (table == null || !(column.equals("*") || table.names().contains(column))) {
        throw new IllegalArgumentException("overlay-columns: '" + name + "' is not TABLE.COLUMN or TABLE.* of spec "
            + spec.name() + " (its tables: " + spec.tables().stream().map(TableDef::name).toList() + ")");
      }
      allowed.add(name);
    }
    return new OverlayColumns(false, Set.copyOf(allowed));
  }

  boolean allows(String table, String column) {
    return all || allowed.contains(table + ".*") || allowed.contains(table + "." + column);
  }

  /** 403 unless every column of {@code row} (a JSON row of {@code table} at {@code path}) may be set. */
  void check(String table, Iterable<String> columns, String path) {
    for (String column : columns) {
      if (!allows(table, column)) {
        throw new HttpError(403, "column '" + column + "' of table '" + table + "' cannot be set at request time: the"
            + " server's overlay-columns does not list it", path + "." + column);
      }
    }
  }
}
