package dev.tandem.spec;

import java.util.List;

/**
 * The executable form of a spec: its window groups, its joins and its output features. Both
 * the offline (Beam) and the online path evaluate features only through this class:
 *
 * <ol>
 *   <li>for each {@link WindowGroup}, the term values of the request (from a {@link WindowSweep},
 *       or {@link WindowGroup#evaluateAlone} when the partition key is NULL);
 *   <li>for each {@link JoinPlan}, the joined row or {@code null};
 *   <li>{@link #evaluate} turns the request row, term values and joined rows into the output row.
 * </ol>
 */
public final class FeaturePlan {
  private final TableDef requestTable;
  private final List<WindowGroup> groups;
  private final List<JoinPlan> joins;
  private final List<FeatureDef> features;
  private final List<Expr> expressions;
  private final int termCount;

  FeaturePlan(TableDef requestTable, List<WindowGroup> groups, List<JoinPlan> joins, List<FeatureDef> features,
      List<Expr> expressions, int termCount) {
    this.requestTable = requestTable;
    this.groups = List.copyOf(groups);
    this.joins = List.copyOf(joins);
    this.features = List.copyOf(features);
    this.expressions = List.copyOf(expressions);
    this.termCount = termCount;
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
   * Evaluates the output row of one request.
   *
   * @param groupTerms per group, the request's term values, or {@code null} where the request's
   *     partition key is NULL (its window then holds only itself)
   * @param joinedRows per join, the joined row or {@code null} when nothing matched
   */
  public Object[] evaluate(Object[] requestRow, Object[][] groupTerms, Object[][] joinedRows) {
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
        ctx.terms[g.termGlobalIndex.get(t)] = values[t];
      }
    }
    Object[] out = new Object[expressions.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = expressions.get(i).eval(ctx);
    }
    return out;
  }
}
