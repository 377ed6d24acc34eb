package dev.tandem.spec.eval;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.OrderedBytes;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.expr.EvalContext;
import dev.tandem.spec.expr.Expr;
import dev.tandem.spec.expr.WindowView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Windows that share their rows: the same partition column, order column and sources (the
 * request table, plus the same union tables). A runner groups the rows of each group's sources
 * by {@link #partitionKey}, orders them with {@link #order()} and feeds them to a
 * {@link #sweep()}; the sweep yields each request's window-term values.
 *
 * <p>Sources are numbered: 0 is the request table, 1.. the union tables in written order.
 *
 * <p><b>Tie rule.</b> Rows are ordered by time; at equal times by source (a request row is the
 * most recent, then the union tables in the order written, the first one the most recent);
 * then by ingestion sequence ({@link IngestedRow#sequence()}: the later ingested is the more
 * recent); then by their projected values column by column (NULL first, strings by code point).
 * The order depends only on the rows and their sequences, never on the order a runner delivers
 * them in.
 */
public final class WindowGroup {
  /** A row of one source, projected to the group's window-row columns. */
  public static final class Entry {
    final int source;
    final boolean hasTime;
    final long time;
    final long sequence;
    final Object[] row;
    final Object[] sourceRow;

    Entry(int source, boolean hasTime, long time, long sequence, Object[] row, Object[] sourceRow) {
      this.source = source;
      this.hasTime = hasTime;
      this.time = time;
      this.sequence = sequence;
      this.row = row;
      this.sourceRow = sourceRow;
    }

    public int source() {
      return source;
    }

    /** The row as read from its source table (for requests: the request row). */
    public Object[] sourceRow() {
      return sourceRow;
    }
  }

  /** A window of this group and where its frame ends: ROWS {@code rows}, or RANGE with an optional MAXSIZE (-1 = none). */
  public record Frame(int rows, long rangeMillis, int maxsize) {
    /** Index of the oldest history row in this frame, for a request at {@code time}. */
    int start(long[] times, int head, int end, long time) {
      if (rows >= 0) {
        return Math.max(head, end - rows);
      }
      // Saturated: for a time near Long.MIN_VALUE (a bigint or millisecond sentinel) the difference would wrap around.
      long from = time < Long.MIN_VALUE + rangeMillis ? Long.MIN_VALUE : time - rangeMillis;
      int start = lowerBound(times, head, end, from);
      if (maxsize > 0) {
        start = Math.max(start, end - (maxsize - 1)); // the current row takes one of the maxsize slots
      }
      return start;
    }

    private static int lowerBound(long[] times, int from, int to, long min) {
      int lo = from;
      int hi = to;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (times[mid] < min) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }

  /**
   * Where a group's rows come from and how each becomes a window row, fixed when the group is
   * created: the request row through {@code requestProjection}, a union table's row through its
   * {@code unionProjection} (column indexes); per source, where its partition key is; where the
   * order value is in a window row.
   */
  public record Layout(int index, List<String> sources, String partition, int[] partitionIndex,
      List<TableDef.ColumnDef> columns, Expr[] requestProjection, int[][] unionProjection, int orderIndex,
      boolean requestRowsInHistory) {}

  /**
   * A group as the compiler builds it: its layout first, then its windows (with their frames),
   * then the terms features compute over them; {@link #build()} freezes it.
   */
  public static final class Builder {
    private final Layout layout;
    private final List<String> windowNames = new ArrayList<>();
    private final List<Frame> frames = new ArrayList<>();
    private final List<Expr> terms = new ArrayList<>();
    private final List<Integer> termFrames = new ArrayList<>();
    private final List<Integer> termSlots = new ArrayList<>();

    public Builder(Layout layout) {
      this.layout = layout;
    }

    public Layout layout() {
      return layout;
    }

    public void addWindow(String name, Frame frame) {
      windowNames.add(name);
      frames.add(frame);
    }

    /** A window function over window {@code window}, whose value goes to slot {@code slot} of a request's terms. */
    public void addTerm(String window, Expr body, int slot) {
      terms.add(body);
      termFrames.add(windowNames.indexOf(window));
      termSlots.add(slot);
    }

    public WindowGroup build() {
      return new WindowGroup(this);
    }
  }

  private final Layout layout;
  private final Type partitionType;
  private final List<String> windowNames;
  private final List<Frame> frames;
  private final List<Expr> terms;
  private final int[] termFrames;
  private final int[] termSlots;

  private WindowGroup(Builder b) {
    this.layout = b.layout;
    this.partitionType = layout.columns().stream().filter(c -> c.name().equals(layout.partition())).findFirst()
        .orElseThrow().type();
    this.windowNames = List.copyOf(b.windowNames);
    this.frames = List.copyOf(b.frames);
    this.terms = List.copyOf(b.terms);
    this.termFrames = b.termFrames.stream().mapToInt(Integer::intValue).toArray();
    this.termSlots = b.termSlots.stream().mapToInt(Integer::intValue).toArray();
  }

  public int index() {
    return layout.index();
  }

  /** The source tables: the request table first, then the union tables. */
  public List<String> sources() {
    return layout.sources();
  }

  /** The columns of source {@code source} that enter a window row (for the request table: all). */
  int[] sourceColumns(int source) {
    return source == 0 ? null : layout.unionProjection()[source - 1];
  }

  List<Frame> frames() {
    return frames;
  }

  /** The names of the group's windows, in the order of {@link #frames()}. */
  List<String> windowNames() {
    return windowNames;
  }

  /** The slot of term {@code term} (in this group's term order) among all the terms of a request. */
  int termSlot(int term) {
    return termSlots[term];
  }

  public String partitionColumn() {
    return layout.partition();
  }

  /** The columns of a window row (for union windows: the union projection). */
  public List<TableDef.ColumnDef> columns() {
    return layout.columns();
  }

  /** The types of the values a sweep yields per request, in order. */
  public List<Type> termTypes() {
    return terms.stream().map(t -> t.type).toList();
  }

  /** A readable name for logs and pipeline step names. */
  public String describe() {
    return String.join("+", layout.sources()) + " by " + layout.partition() + " (" + String.join(", ", windowNames) + ")";
  }

  /** The partition key of a row of source {@code source}; NULL matches nothing. */
  public Object partitionKey(int source, Object[] sourceRow) {
    return sourceRow[layout.partitionIndex()[source]];
  }

  /** Projects a row of source {@code source} into an entry of this group. */
  public Entry entry(int source, IngestedRow ingested) {
    Object[] sourceRow = ingested.values();
    Object[] row = new Object[layout.columns().size()];
    if (source == 0) {
      EvalContext ctx = new EvalContext();
      ctx.request = sourceRow;
      for (int i = 0; i < row.length; i++) {
        row[i] = layout.requestProjection()[i].eval(ctx);
      }
    } else {
      int[] mapping = layout.unionProjection()[source - 1];
      for (int i = 0; i < row.length; i++) {
        row[i] = sourceRow[mapping[i]];
      }
    }
    Object t = row[layout.orderIndex()];
    long time = t == null ? Long.MIN_VALUE : t instanceof Instant i ? i.toEpochMilli() : ((Number) t).longValue();
    return new Entry(source, t != null, time, ingested.sequence(), row, sourceRow);
  }

  /** The total order of entries: time, then source (request most recent), then values. */
  public Comparator<Entry> order() {
    int requestRank = layout.sources().size() - 1;
    List<TableDef.ColumnDef> columns = layout.columns();
    return (a, b) -> {
      int c = Long.compare(a.time, b.time);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(rank(a.source, requestRank), rank(b.source, requestRank));
      if (c != 0) {
        return c;
      }
      c = Long.compare(a.sequence, b.sequence);
      if (c != 0) {
        return c;
      }
      for (int i = 0; i < columns.size(); i++) {
        c = Values.compareNullsFirst(columns.get(i).type(), a.row[i], b.row[i]);
        if (c != 0) {
          return c;
        }
      }
      return 0;
    };
  }

  /**
   * A byte key whose unsigned order sorts entries by partition key, then in {@link #order()}:
   * a runner sorts by it (externally if need be) and feeds each partition's run to a sweep.
   */
  public byte[] sortKey(Entry e) {
    OrderedBytes b = new OrderedBytes()
        .value(partitionType, partitionKey(e.source, e.sourceRow))
        .signed(e.time)
        .small(rank(e.source, layout.sources().size() - 1))
        .signed(e.sequence);
    for (int i = 0; i < layout.columns().size(); i++) {
      b.value(layout.columns().get(i).type(), e.row[i]);
    }
    return b.bytes();
  }

  /** Ascending recency rank: the last union table is oldest at equal times, the request newest. */
  private static int rank(int source, int requestRank) {
    return source == 0 ? requestRank : requestRank - source;
  }

  /** A new sweep over one partition's entries, which must arrive in {@link #order()}. */
  public WindowSweep sweep() {
    return new WindowSweep(this);
  }

  /**
   * The term values of a request whose partition key is NULL: its window holds only itself (for
   * union windows, only its projection).
   */
  public Object[] evaluateAlone(Object[] requestRow) {
    Entry e = entry(0, new IngestedRow(requestRow, 0));
    return evaluate(new long[0], List.of(), 0, 0, e, false);
  }

  Object[] evaluate(long[] times, List<Object[]> history, int head, int end, Entry request, boolean withHistory) {
    EvalContext ctx = new EvalContext();
    ctx.request = request.sourceRow;
    WindowView[] views = new WindowView[frames.size()];
    for (int f = 0; f < views.length; f++) {
      int start = withHistory ? frames.get(f).start(times, head, end, request.time) : end;
      views[f] = new WindowView(history, start, end, request.row);
    }
    Object[] values = new Object[terms.size()];
    for (int t = 0; t < values.length; t++) {
      ctx.window = views[termFrames[t]];
      values[t] = terms.get(t).eval(ctx);
    }
    return values;
  }

  /** Whether a request's window holds earlier request rows (false for {@code instance_not_in_window} unions). */
  public boolean requestRowsInHistory() {
    return layout.requestRowsInHistory();
  }
}
