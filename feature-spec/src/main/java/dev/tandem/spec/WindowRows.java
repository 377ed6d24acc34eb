package dev.tandem.spec;

import java.util.List;

/**
 * What the windows of one group share: their union tables (none for a window over requests),
 * partition and order columns, whether other requests are left out, and the request row's
 * projection as written ({@code requestRowText}, to tell groups apart).
 */
record WindowRows(List<TableDef> union, String partition, String order, boolean instanceNotInWindow,
    String requestRowText) {

  /** The columns of a window row: those of the first union table, or of the request table. */
  List<TableDef.ColumnDef> columns(TableDef request) {
    return union.isEmpty() ? request.columns() : union.get(0).columns();
  }
}
