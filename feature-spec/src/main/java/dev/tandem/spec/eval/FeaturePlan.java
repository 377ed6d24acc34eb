package dev.tandem.spec.eval;

import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.OrderedBytes;
import dev.tandem.spec.expr.EvalContext;
import dev.tandem.spec.expr.Expr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The executable form of a spec: its window groups, its joins and its output features. Both
 * the offline (Beam) and the online path evaluate features only through this class.
 *
 * <p>The one entry for a single request is {@link #evaluate(Object[], long, StatePlan.Lookup)}: a
 * request row and the stored rows of each {@link StatePlan.Store} (values and ingestion
 * sequence, in any order) in, the feature row out; it applies every rule itself (tie order,
 * frames, MAXSIZE, union projections, NULL keys, last-join picks). A runner that streams many
 * requests in order uses what that entry is built on:
 *
 * <ol>
 *   <li>for each {@link WindowGroup}, the term values of the request (from a {@link WindowSweep},
 *       or {@link WindowGroup#evaluateAlone} when the partition key is NULL);
 *   <li>for each {@link JoinPlan}, the joined row or {@code null} (a {@link JoinPlan.JoinSweep});
 *   <li>{@link #assemble(Object[], Object[][], Object[][])} turns the request row, term values and
 *       joined rows into the output row.
 * </ol>
 *
 * <p><b>A request with a NULL time</b> cannot be placed in time: every engine rejects it (Beam
 * counts it and writes it to the rejected rows; this entry throws; the server answers 400).
 */
public final class FeaturePlan {
  private final TableDef requestTable;
  private final List<WindowGroup> groups;
  private final List<JoinPlan> joins;
  private final List<FeatureDef> features;
  private final List<Expr> expressions;
  private final int termCount;
  private final StatePlan state;

  public FeaturePlan(TableDef requestTable, List<WindowGroup> groups, List<JoinPlan> joins, List<FeatureDef> features,
      List<Expr> expressions, int termCount, Map<String, TableDef> tables) {
    this.requestTable = requestTable;
    this.groups = List.copyOf(groups);
    this.joins = List.copyOf(joins);
    this.features = List.copyOf(features);
    this.expressions = List.copyOf(expressions);
    this.termCount = termCount;
    this.state = new StatePlan(requestTable, this.groups, this.joins, tables);
  }

  /** What state the spec needs kept, per table and key: see {@link StatePlan}. */
  public StatePlan state() {
    return state;
  }

  /**
   * The feature row of one request, from the stored rows of each of its stores.
   *
   * <p>Rows at or after the request in the tie order are ignored (so the stored copy of the
   * request itself, and anything ingested after it, never enter its windows); rows with a NULL
   * time are ignored.
   *
   * @param requestRow a row of the request table, in its column order
   * @param requestSequence the request's ingestion sequence ({@link Long#MAX_VALUE} for a live
   *     request that is not stored: it is then the most recent row at its instant)
   * @param rows the stored rows of a store for a key (as kept: values and sequence, any order)
   * @throws IllegalArgumentException when the request's time is NULL
   */
  public Object[] evaluate(Object[] requestRow, long requestSequence, StatePlan.Lookup rows) {
    return evaluate(List.<Object[]>of(requestRow), requestSequence, rows).get(0);
  }

  /**
   * The feature rows of requests that may share state (a recommendation's candidates: one user,
   * many items), each exactly as {@link #evaluate(Object[], long, StatePlan.Lookup)} gives it
   * alone: no request enters another's windows. Per window group and partition key, the stored
   * rows are projected, sorted and swept once for all the requests of that key, each request
   * placed in the order where it falls; per join key, the rows are ranked once.
   *
   * @throws IllegalArgumentException when a request's time is NULL
   */
  public List<Object[]> evaluate(List<Object[]> requestRows, long requestSequence, StatePlan.Lookup rows) {
    int timeIndex = requestTable.indexOf(requestTable.time());
    for (Object[] requestRow : requestRows) {
      if (requestRow[timeIndex] == null) {
        throw new IllegalArgumentException("request " + requestKey(requestRow) + ": column '" + requestTable.time()
            + "' is NULL; a request without a time cannot be placed in any window");
      }
    }
    int n = requestRows.size();
    Object[][][] groupTerms = new Object[n][groups.size()][];
    for (WindowGroup g : groups) {
      Map<Object, List<WindowGroup.Entry>> byKey = new LinkedHashMap<>();
      Map<WindowGroup.Entry, Integer> position = new IdentityHashMap<>();
      for (int r = 0; r < n; r++) {
        Object[] requestRow = requestRows.get(r);
        Object key = g.partitionKey(0, requestRow);
        if (key == null) {
          groupTerms[r][g.index()] = g.evaluateAlone(requestRow);
        } else {
          WindowGroup.Entry request = g.entry(0, new IngestedRow(requestRow, requestSequence));
          byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(request);
          position.put(request, r);
        }
      }
      byKey.forEach((key, requests) -> {
        List<Object[]> terms = sweep(g, requests, key, rows);
        for (int i = 0; i < requests.size(); i++) {
          groupTerms[position.get(requests.get(i))][g.index()] = terms.get(i);
        }
      });
    }
    Object[][][] joined = new Object[n][joins.size()][];
    for (JoinPlan j : joins) {
      Map<Object, JoinPlan.Picker> pickers = new HashMap<>();
      for (int r = 0; r < n; r++) {
        Object key = j.requestKey(requestRows.get(r));
        if (key != null) {
          joined[r][j.index()] = pickers.computeIfAbsent(key, k -> j.picker(rows.rows(state.storeOf(j), k)))
              .pick(requestRows.get(r));
        }
      }
    }
    List<Object[]> out = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      out.add(assemble(requestRows.get(r), groupTerms[r], joined[r]));
    }
    return out;
  }

  /**
   * Sweeps a group's stored rows of one key, in order, placing each request where it falls;
   * returns each request's term values, in the order of {@code requests}.
   */
  private List<Object[]> sweep(WindowGroup g, List<WindowGroup.Entry> requests, Object key, StatePlan.Lookup rows) {
    List<WindowGroup.Entry> entries = new ArrayList<>();
    for (int source = 0; source < g.sources().size(); source++) {
      StatePlan.Store store = state.storeOf(g, source);
      if (store == null) {
        continue;
      }
      for (IngestedRow row : rows.rows(store, key)) {
        WindowGroup.Entry e = g.entry(source, row);
        if (e.hasTime) {
          entries.add(e);
        }
      }
    }
    Comparator<WindowGroup.Entry> order = g.order();
    entries.sort(order);
    Integer[] byOrder = new Integer[requests.size()];
    for (int i = 0; i < byOrder.length; i++) {
      byOrder[i] = i;
    }
    Arrays.sort(byOrder, (a, b) -> order.compare(requests.get(a), requests.get(b)));
    WindowSweep sweep = g.sweep();
    Object[][] terms = new Object[requests.size()][];
    int next = 0;
    for (int i : byOrder) {
      WindowGroup.Entry request = requests.get(i);
      while (next < entries.size() && order.compare(entries.get(next), request) < 0) {
        sweep.accept(entries.get(next++), false);
      }
      terms[i] = sweep.peek(request);
    }
    return Arrays.asList(terms);
  }

  public TableDef requestTable() {
    return requestTable;
  }

  public List<WindowGroup> groups() {
    return groups;
  }

  public List<JoinPlan> joins() {
    return joins;
  }

  /**
   * The tables the features read, each once: the request table, then each window group's
   * sources, then each last join's table. Tables the spec declares but no feature reads are not
   * among them: engines need not read them.
   */
  public List<String> tables() {
    Set<String> tables = new LinkedHashSet<>();
    tables.add(requestTable.name());
    groups.forEach(g -> tables.addAll(g.sources()));
    joins.forEach(j -> tables.add(j.table()));
    return List.copyOf(tables);
  }

  /** The output columns, in order. */
  public List<FeatureDef> features() {
    return features;
  }

  /** The request's key (the request table's {@code key} column). */
  public Object requestKey(Object[] requestRow) {
    return requestRow[requestTable.indexOf(requestTable.key())];
  }

  /**
   * A byte key that brings together, in unsigned order, the parts a runner gathers for one
   * request: its row (slot 0), its window-term values (slots 1..) and joined rows (after them).
   */
  public byte[] requestSortKey(Object[] requestRow, int slot) {
    String key = requestTable.key();
    return new OrderedBytes().value(requestTable.typeOf(key), requestKey(requestRow)).small(slot).bytes();
  }

  /**
   * Assembles the output row of one request from what a runner gathered for it: its window-term
   * values and joined rows, computed by that runner's sweeps.
   *
   * @param groupTerms per group, the request's term values, or {@code null} where the request's
   *     partition key is NULL (its window then holds only itself)
   * @param joinedRows per join, the joined row or {@code null} when nothing matched
   */
  public Object[] assemble(Object[] requestRow, Object[][] groupTerms, Object[][] joinedRows) {
    EvalContext ctx = new EvalContext();
    ctx.request = requestRow;
    ctx.joined = joinedRows;
    ctx.terms = new Object[termCount];
    for (WindowGroup g : groups) {
      Object[] values = groupTerms[g.index()];
      if (values == null) {
        if (g.partitionKey(0, requestRow) != null) {
          throw new IllegalStateException("no window values for request " + requestKey(requestRow) + " in " + g.describe());
        }
        values = g.evaluateAlone(requestRow);
      }
      for (int t = 0; t < values.length; t++) {
        ctx.terms[g.termSlot(t)] = values[t];
      }
    }
    Object[] out = new Object[expressions.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = expressions.get(i).eval(ctx);
    }
    return out;
  }
}
