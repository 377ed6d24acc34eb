package dev.tandem.spec.compile;

import dev.tandem.spec.def.TableDef;
import java.util.List;

/**
 * What the windows of one group share: their union tables (none for a window over requests),
 * partition and order columns, whether other requests are left out, and the request row's
 * projection as written ({@code requestRowText}, to tell groups apart).
 */
record WindowGroupKey(List<TableDef> union, String partition, String order, boolean instanceNotInWindow,
    String requestRowText) {

  /** The columns of a window row: those of the first union table, or of the request table. */
  public List<TableDef.ColumnDef> columns(TableDef request) {
    return union.isEmpty() ? request.columns() : union.get(0).columns();
  }
}
