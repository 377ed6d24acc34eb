package dev.tandem.spec.eval;

import dev.tandem.spec.def.JoinDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.OrderedBytes;
import java.time.Instant;
import java.util.List;

/**
 * The compiled form of a {@link JoinDef}. A runner brings together the joined table's rows and
 * the requests of one key ({@link #tableKey}, {@link #requestKey}), sorts them by
 * {@link #sortKey} and streams them through a {@link JoinSweep}, which picks each request's row
 * with constant memory whatever the number of rows of the key.
 */
public final class JoinPlan {
  private final int index;
  private final JoinDef def;
  private final TableDef table;
  private final int requestKeyIndex;
  private final int tableKeyIndex;
  private final int orderIndex;
  private final int requestTimeIndex;

  public JoinPlan(int index, JoinDef def, TableDef table, int requestKeyIndex, int tableKeyIndex, int orderIndex,
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

  public TableDef tableDef() {
    return table;
  }

  /** The request's join key; NULL matches nothing. */
  /** Whether the request side of the join is the request table's column {@code index}. */
  boolean joinsOnRequestColumn(int index) {
    return requestKeyIndex == index;
  }

  public Object requestKey(Object[] requestRow) {
    return requestRow[requestKeyIndex];
  }

  /** A joined-table row's key; NULL matches nothing. */
  public Object tableKey(Object[] tableRow) {
    return tableRow[tableKeyIndex];
  }

  /**
   * A byte key whose unsigned order sorts one join key's rows so that a {@link JoinSweep} can
   * stream them: for {@link JoinDef.Pick#LATEST}, the table's rows by (order value, ingestion
   * sequence, values), then the requests; for {@link JoinDef.Pick#POINT_IN_TIME}, table rows and
   * requests by time, a table row before a request at the same time (at or before is inclusive).
   */
  public byte[] sortKey(boolean isRequest, Object[] row, long sequence) {
    List<Type> types = table.types();
    Type keyType = types.get(tableKeyIndex);
    OrderedBytes b = new OrderedBytes().value(keyType, isRequest ? requestKey(row) : tableKey(row));
    Object time = isRequest ? row[requestTimeIndex] : orderIndex < 0 ? null : row[orderIndex];
    if (def.pick() == JoinDef.Pick.POINT_IN_TIME) {
      b.value(Type.BIGINT, time == null ? null : millis(time)).small(isRequest ? 1 : 0);
    } else {
      b.small(isRequest ? 1 : 0).value(Type.BIGINT, isRequest || time == null ? null : millis(time));
    }
    b.signed(sequence);
    if (!isRequest) {
      for (int i = 0; i < types.size(); i++) {
        b.value(types.get(i), row[i]);
      }
    }
    return b.bytes();
  }

  /**
   * The joined row of a request among {@code rows}, the rows of the table whose key is the
   * request's (in any order): the last of them, in {@link #sortKey} order, that comes before the
   * request and that {@link JoinSweep} accepts; {@code null} when nothing matches. The same
   * answer a sweep over the sorted rows gives.
   */
  public Object[] pick(Object[] requestRow, List<IngestedRow> rows) {
    return picker(rows).pick(requestRow);
  }

  /** The row this join would pick among {@code rows} for a request after all of them (what state keeps). */
  IngestedRow best(List<IngestedRow> rows) {
    return picker(rows).best(null);
  }

  /** One join key's rows with their sort keys built once, for the requests that read that key. */
  public Picker picker(List<IngestedRow> rows) {
    return new Picker(rows);
  }

  /** The rows of one join key, ranked once; each request picks among them as {@link #pick} does. */
  public final class Picker {
    private final IngestedRow[] rows;
    private final byte[][] keys;

    private Picker(List<IngestedRow> candidates) {
      List<IngestedRow> kept = new java.util.ArrayList<>(candidates.size());
      for (IngestedRow row : candidates) {
        if (def.pick() != JoinDef.Pick.POINT_IN_TIME || row.values()[orderIndex] != null) {
          kept.add(row);
        }
      }
      rows = kept.toArray(IngestedRow[]::new);
      keys = new byte[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        keys[i] = sortKey(false, rows[i].values(), rows[i].sequence());
      }
    }

    /** The joined row of a request, or {@code null} when nothing matches. */
    public Object[] pick(Object[] requestRow) {
      if (requestKey(requestRow) == null
          || def.pick() == JoinDef.Pick.POINT_IN_TIME && requestRow[requestTimeIndex] == null) {
        return null;
      }
      IngestedRow best = best(sortKey(true, requestRow, 0));
      return best == null ? null : best.values();
    }

    private IngestedRow best(byte[] before) {
      IngestedRow best = null;
      byte[] bestKey = null;
      for (int i = 0; i < rows.length; i++) {
        byte[] key = keys[i];
        if (before != null && java.util.Arrays.compareUnsigned(key, before) > 0) {
          continue;
        }
        if (bestKey == null || java.util.Arrays.compareUnsigned(key, bestKey) > 0) {
          best = rows[i];
          bestKey = key;
        }
      }
      return best;
    }
  }

  /** A new sweep over one join key's rows, delivered in {@link #sortKey} order. */
  public JoinSweep sweep() {
    return new JoinSweep();
  }

  /** Streams one key's rows in sort-key order, keeping only the last matching row seen. */
  public final class JoinSweep {
    private Object[] last;

    private JoinSweep() {}

    /** A row of the joined table. */
    public void acceptTableRow(Object[] row) {
      if (def.pick() == JoinDef.Pick.LATEST || row[orderIndex] != null) {
        last = row;
      }
    }

    /** The joined row of a request, or {@code null} when nothing matches. */
    public Object[] pick(Object[] requestRow) {
      if (def.pick() == JoinDef.Pick.POINT_IN_TIME && requestRow[requestTimeIndex] == null) {
        return null;
      }
      return last;
    }
  }

  private static long millis(Object t) {
    return t instanceof Instant i ? i.toEpochMilli() : ((Number) t).longValue();
  }
}
