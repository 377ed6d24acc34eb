package dev.tandem.spec.def;

import java.util.List;

/** A table of the spec: its role, key and time columns, and its columns in declared order. */
public record TableDef(String name, Role role, String key, String time, List<ColumnDef> columns)
    implements java.io.Serializable {

  public enum Role { REQUEST, EVENT, DIMENSION }

  /** One column: name and type. */
  public record ColumnDef(String name, Type type) implements java.io.Serializable {}

  /** The position of a column, or -1. */
  public int indexOf(String column) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(column)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Why no engine can use a row of this table, or {@code null}: a row with a NULL time cannot be
   * placed in time, and a request without its key cannot be told apart. The one rule the Beam
   * transforms, online ingestion and the consistency check reject rows by.
   */
  public String rejection(Object[] values) {
    if (time != null && values[indexOf(time)] == null) {
      return "column '" + time + "': NULL time";
    }
    if (role == Role.REQUEST && values[indexOf(key)] == null) {
      return "column '" + key + "': NULL request key";
    }
    return null;
  }

  public Type typeOf(String column) {
    int i = indexOf(column);
    return i < 0 ? null : columns.get(i).type();
  }

  public List<Type> types() {
    return columns.stream().map(ColumnDef::type).toList();
  }

  public List<String> names() {
    return columns.stream().map(ColumnDef::name).toList();
  }
}
