package dev.tandem.spec.eval;

import dev.tandem.spec.def.JoinDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.OrderedBytes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What to keep, from the spec: which rows of which table must be kept, for which key, and for
 * how long, so that a request evaluated later sees exactly the rows it would see offline.
 * Materialization, ingestion and the online server all size their state from this one answer.
 *
 * <p>State is a set of {@link Store}s, one per (table, key column): the rows of a window source
 * (union tables, and the request table itself when a window reads past requests), partitioned by
 * the window's partition column, and the candidate rows of a last join, by the joined column. A
 * store shared by several windows and joins keeps what any of them needs.
 *
 * <pre>{@code
 * StatePlan state = spec.plan().state();
 * for (StatePlan.Store s : state.stores()) System.out.println(s.describe());
 * List<IngestedRow> kept = store.retain(rows);        // what a key keeps, in tie order
 * Object[] features = spec.plan().evaluate(request, Long.MAX_VALUE, (store, key) -> rowsOf(store, key));
 * }</pre>
 */
public final class StatePlan {
  /** The rows of one store for one key value, looked up by the evaluator. Unknown keys give no rows. */
  @FunctionalInterface
  public interface Lookup {
    List<IngestedRow> rows(Store store, Object key);
  }

  /** A store and a key value: one unit of state (one Redis value online). */
  public record Ref(Store store, Object key) {}

  private record WindowUse(WindowGroup group, int source) {}

  /** The rows of one table kept per value of one of its columns. */
  public static final class Store {
    private final TableDef table;
    private final String column;
    private final int keyIndex;
    private final boolean[] read;
    private final List<WindowUse> windows = new ArrayList<>();
    private final List<JoinPlan> joins = new ArrayList<>();

    private Store(TableDef table, String column) {
      this.table = table;
      this.column = column;
      this.keyIndex = table.indexOf(column);
      this.read = new boolean[table.columns().size()];
      read[keyIndex] = true;
    }

    public TableDef table() {
      return table;
    }

    /** The column whose value keys this store's rows. */
    public String column() {
      return column;
    }

    public Type keyType() {
      return table.columns().get(keyIndex).type();
    }

    /** The columns the spec reads from this store's rows; the others are kept as NULL. */
    public List<String> columns() {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < read.length; i++) {
        if (read[i]) {
          names.add(table.columns().get(i).name());
        }
      }
      return names;
    }

    /**
     * True when only {@code latest} last joins read this store: they pick the table's last row
     * whatever the request's time, so its state is the table as it stands (offline: at the end
     * of the data), not a moving window.
     */
    public boolean latestOnly() {
      return windows.isEmpty() && joins.stream().allMatch(j -> j.def().pick() == JoinDef.Pick.LATEST);
    }

    /** The key of a row of this store's table; NULL keys are kept nowhere. */
    public Object key(Object[] tableRow) {
      return tableRow[keyIndex];
    }

    /** The row with the columns the spec does not read set to NULL (what a store keeps). */
    public Object[] project(Object[] tableRow) {
      Object[] kept = new Object[read.length];
      for (int i = 0; i < read.length; i++) {
        if (read[i]) {
          kept[i] = tableRow[i];
        }
      }
      return kept;
    }

    /**
     * The rows of one key that any window or join of the spec can still reach, for any request at
     * or after the newest of them: per window, rows within its time range of the newest row and
     * among its ROWS n / MAXSIZE m last rows (a superset when a union window counts rows of
     * several tables); per last join, the row it would pick. Rows with a NULL time are dropped
     * (they can be placed in no window). The result is in ingestion-sequence order (then event
     * id, then values), so one set of rows always gives one list.
     */
    public List<IngestedRow> retain(List<IngestedRow> rows) {
      Set<IngestedRow> kept = Collections.newSetFromMap(new IdentityHashMap<>());
      for (WindowUse use : windows) {
        kept.addAll(windowRows(use, rows));
      }
      for (JoinPlan j : joins) {
        IngestedRow best = j.best(rows);
        if (best != null) {
          kept.add(best);
        }
      }
      List<IngestedRow> out = new ArrayList<>(kept);
      // Rows that share a sequence and an event id (input without sequences) fall back to value order: one blob for one set.
      out.sort(Comparator.comparingLong(IngestedRow::sequence).thenComparingLong(IngestedRow::eventId)
          .thenComparing(this::valueBytes, Arrays::compareUnsigned));
      return out;
    }

    private byte[] valueBytes(IngestedRow row) {
      OrderedBytes b = new OrderedBytes();
      for (int i = 0; i < read.length; i++) {
        b.value(table.columns().get(i).type(), row.values()[i]);
      }
      return b.bytes();
    }

    private static List<IngestedRow> windowRows(WindowUse use, List<IngestedRow> rows) {
      WindowGroup g = use.group();
      Map<WindowGroup.Entry, IngestedRow> byEntry = new IdentityHashMap<>();
      List<WindowGroup.Entry> entries = new ArrayList<>(rows.size());
      for (IngestedRow row : rows) {
        WindowGroup.Entry e = g.entry(use.source(), row);
        if (e.hasTime) {
          entries.add(e);
          byEntry.put(e, row);
        }
      }
      if (entries.isEmpty()) {
        return List.of();
      }
      entries.sort(g.order());
      long[] times = new long[entries.size()];
      for (int i = 0; i < times.length; i++) {
        times[i] = entries.get(i).time;
      }
      int end = times.length;
      int keepFrom = end;
      for (WindowGroup.Frame f : g.frames()) {
        keepFrom = Math.min(keepFrom, f.start(times, 0, end, times[end - 1]));
      }
      return entries.subList(keepFrom, end).stream().map(byEntry::get).toList();
    }

    /** One line per use: what is kept and why. */
    public String describe() {
      StringBuilder b = new StringBuilder(table.name()).append(" by ").append(column).append(": ");
      List<String> uses = new ArrayList<>();
      for (WindowUse use : windows) {
        WindowGroup g = use.group();
        for (int f = 0; f < g.frames().size(); f++) {
          WindowGroup.Frame frame = g.frames().get(f);
          uses.add("window " + g.windowNames().get(f) + " (" + (frame.rows() >= 0
              ? "last " + frame.rows() + " rows"
              : "rows of the last " + duration(frame.rangeMillis())
                  + (frame.maxsize() > 0 ? ", at most " + (frame.maxsize() - 1) : "")) + ")");
        }
      }
      for (JoinPlan j : joins) {
        uses.add("join " + j.def().name() + " (the row it picks: " + j.def().pick().name().toLowerCase(java.util.Locale.ROOT) + ")");
      }
      return b.append(String.join(", ", uses)).append("; columns ").append(columns()).toString();
    }

    private static String duration(long millis) {
      long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
      String[] names = {"d", "h", "m", "s"};
      for (int i = 0; i < units.length; i++) {
        if (millis % units[i] == 0) {
          return millis / units[i] + names[i];
        }
      }
      return millis + "ms";
    }

    @Override
    public String toString() {
      return table.name() + " by " + column;
    }
  }

  private final TableDef requestTable;
  private final List<Store> stores;
  private final Map<WindowUse, Store> byWindowSource = new LinkedHashMap<>();
  private final Map<JoinPlan, Store> byJoin = new LinkedHashMap<>();

  StatePlan(TableDef requestTable, List<WindowGroup> groups, List<JoinPlan> joins, Map<String, TableDef> tables) {
    Map<String, Store> stores = new LinkedHashMap<>();
    for (WindowGroup g : groups) {
      for (int source = 0; source < g.sources().size(); source++) {
        if (source == 0 && !g.requestRowsInHistory()) {
          continue; // instance_not_in_window: past requests are in no window
        }
        TableDef t = tables.get(g.sources().get(source));
        Store s = stores.computeIfAbsent(t.name() + "\u0000" + g.partitionColumn(), k -> new Store(t, g.partitionColumn()));
        WindowUse use = new WindowUse(g, source);
        s.windows.add(use);
        int[] columns = g.sourceColumns(source);
        if (columns == null) {
          Arrays.fill(s.read, true);
        } else {
          for (int c : columns) {
            s.read[c] = true;
          }
        }
        byWindowSource.put(use, s);
      }
    }
    for (JoinPlan j : joins) {
      TableDef t = tables.get(j.table());
      Store s = stores.computeIfAbsent(t.name() + "\u0000" + j.def().tableColumn(), k -> new Store(t, j.def().tableColumn()));
      s.joins.add(j);
      Arrays.fill(s.read, true);
      byJoin.put(j, s);
    }
    this.stores = List.copyOf(stores.values());
    this.requestTable = Objects.requireNonNull(requestTable);
  }

  public List<Store> stores() {
    return stores;
  }

  /** The store of rows of {@code table} kept by {@code column}, or {@code null}. */
  public Store store(String table, String column) {
    return stores.stream().filter(s -> s.table.name().equals(table) && s.column.equals(column)).findFirst().orElse(null);
  }

  /** The stores that rows of {@code table} go to. */
  public List<Store> storesOf(String table) {
    return stores.stream().filter(s -> s.table.name().equals(table)).toList();
  }

  /** Every unit of state a request reads, without duplicates; NULL keys read nothing. */
  public List<Ref> refs(Object[] requestRow) {
    return refs(requestRow, -1);
  }

  /**
   * The state a request reads whose {@code newColumn} value was just made up (a live request's
   * id, generated by the server): as {@link #refs(Object[])} without the joins on that column,
   * which hold nothing for a value no row has (a label joined by request id, say).
   */
  public List<Ref> refs(Object[] requestRow, String newColumn) {
    return refs(requestRow, requestTable.indexOf(newColumn));
  }

  private List<Ref> refs(Object[] requestRow, int newColumn) {
    Set<Ref> refs = new LinkedHashSet<>();
    byWindowSource.forEach((use, store) -> {
      Object key = use.group().partitionKey(0, requestRow);
      if (key != null) {
        refs.add(new Ref(store, key));
      }
    });
    byJoin.forEach((join, store) -> {
      Object key = join.requestKey(requestRow);
      if (key != null && !join.joinsOnRequestColumn(newColumn)) {
        refs.add(new Ref(store, key));
      }
    });
    return List.copyOf(refs);
  }

  Store storeOf(WindowGroup group, int source) {
    return byWindowSource.get(new WindowUse(group, source));
  }

  Store storeOf(JoinPlan join) {
    return byJoin.get(join);
  }

  /** One line per store, for logs and {@code tandem state-plan}. */
  public List<String> describe() {
    return stores.stream().map(Store::describe).toList();
  }
}
