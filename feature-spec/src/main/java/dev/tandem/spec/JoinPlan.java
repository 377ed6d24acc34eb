package dev.tandem.spec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The compiled form of a {@link JoinDef}. A runner groups the joined table's rows by
 * {@link #tableKey}, builds a {@link Picker} from one key's rows, and asks it for each request
 * with that {@link #requestKey}.
 */
public final class JoinPlan {
  private final int index;
  private final JoinDef def;
  private final TableDef table;
  private final int requestKeyIndex;
  private final int tableKeyIndex;
  private final int orderIndex;
  private final int requestTimeIndex;

  JoinPlan(int index, JoinDef def, TableDef table, int requestKeyIndex, int tableKeyIndex, int orderIndex,
      int requestTimeIndex) {
    this.index = index;
    this.def = def;
    this.table = table;
    this.requestKeyIndex = requestKeyIndex;
    this.tableKeyIndex = tableKeyIndex;
    this.orderIndex = orderIndex;
    this.requestTimeIndex = requestTimeIndex;
  }

  public int index() {
    return index;
  }

  public JoinDef def() {
    return def;
  }

  public String table() {
    return table.name();
  }

  /** The request's join key; NULL matches nothing. */
  public Object requestKey(Object[] requestRow) {
    return requestRow[requestKeyIndex];
  }

  /** A joined-table row's key; NULL matches nothing. */
  public Object tableKey(Object[] tableRow) {
    return tableRow[tableKeyIndex];
  }

  /** Orders one key's rows once, then picks for each request. */
  public Picker picker(List<IngestedRow> rowsOfOneKey) {
    List<IngestedRow> sorted = new ArrayList<>(rowsOfOneKey);
    sorted.sort(order());
    return new Picker(sorted.stream().map(IngestedRow::values).toList());
  }

  /**
   * Ascending: by order value (NULL first), then by ingestion sequence (the last ingested wins
   * a tie), then by the row's values.
   */
  private Comparator<IngestedRow> order() {
    List<Type> types = table.types();
    return (x, y) -> {
      Object[] a = x.values();
      Object[] b = y.values();
      if (orderIndex >= 0) {
        int c = Values.compareNullsFirst(types.get(orderIndex), a[orderIndex], b[orderIndex]);
        if (c != 0) {
          return c;
        }
      }
      int c = Long.compare(x.sequence(), y.sequence());
      if (c != 0) {
        return c;
      }
      for (int i = 0; i < types.size(); i++) {
        c = Values.compareNullsFirst(types.get(i), a[i], b[i]);
        if (c != 0) {
          return c;
        }
      }
      return 0;
    };
  }

  /** Picks the joined row for requests of one key. */
  public final class Picker {
    private final List<Object[]> sorted;

    private Picker(List<Object[]> sorted) {
      this.sorted = sorted;
    }

    /** The joined row, or {@code null} when none matches. */
    public Object[] pick(Object[] requestRow) {
      if (sorted.isEmpty()) {
        return null;
      }
      if (def.pick() == JoinDef.Pick.LATEST) {
        return sorted.get(sorted.size() - 1);
      }
      Object requestTime = requestRow[requestTimeIndex];
      if (requestTime == null) {
        return null;
      }
      long limit = millis(requestTime);
      for (int i = sorted.size() - 1; i >= 0; i--) { // newest first; stop at the first at or before the request
        Object t = sorted.get(i)[orderIndex];
        if (t != null && millis(t) <= limit) {
          return sorted.get(i);
        }
      }
      return null;
    }
  }

  private static long millis(Object t) {
    return t instanceof Instant i ? i.toEpochMilli() : ((Number) t).longValue();
  }
}
