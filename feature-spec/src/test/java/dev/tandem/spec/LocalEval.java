package dev.tandem.spec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a spec over small in-memory tables for tests, the way a runner does: group each window
 * group's rows by partition key, order them, sweep; group joined rows by key, pick; evaluate.
 * A row's ingestion sequence is its index in its table's list.
 */
final class LocalEval {
  final FeatureSpec spec;
  private final Map<String, List<Object[]>> tables = new LinkedHashMap<>();

  LocalEval(String yaml) {
    try {
      this.spec = FeatureSpec.parse(yaml, "test.yaml");
    } catch (SpecException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  LocalEval rows(String table, Object[]... rows) {
    tables.computeIfAbsent(table, t -> new ArrayList<>()).addAll(List.of(rows));
    return this;
  }

  /** The output rows, in the order of the request table's rows. */
  List<Object[]> run() {
    FeaturePlan plan = spec.plan();
    List<Object[]> requests = tables.getOrDefault(plan.requestTable().name(), List.of());
    Map<Object[], Object[][]> terms = new HashMap<>();
    for (WindowGroup g : plan.groups()) {
      Map<Object, List<WindowGroup.Entry>> partitions = new HashMap<>();
      for (int source = 0; source < g.sources().size(); source++) {
        List<Object[]> rows = tables.getOrDefault(g.sources().get(source), List.of());
        for (int i = 0; i < rows.size(); i++) {
          Object key = g.partitionKey(source, rows.get(i));
          if (key != null) {
            partitions.computeIfAbsent(key, k -> new ArrayList<>()).add(g.entry(source, new IngestedRow(rows.get(i), i)));
          }
        }
      }
      for (List<WindowGroup.Entry> entries : partitions.values()) {
        entries.sort((a, b) -> java.util.Arrays.compareUnsigned(g.sortKey(a), g.sortKey(b))); // as runners sort
        WindowSweep sweep = g.sweep();
        for (WindowGroup.Entry e : entries) {
          Object[] values = sweep.accept(e);
          if (values != null) {
            terms.computeIfAbsent(e.sourceRow(), r -> new Object[plan.groups().size()][])[g.index()] = values;
          }
        }
      }
    }
    List<Object[]> out = new ArrayList<>();
    for (Object[] request : requests) {
      Object[][] joined = new Object[plan.joins().size()][];
      for (JoinPlan j : plan.joins()) {
        joined[j.index()] = join(j, request);
      }
      out.add(plan.evaluate(request, terms.getOrDefault(request, new Object[plan.groups().size()][]), joined));
    }
    return out;
  }

  /** Streams the request and the joined table's rows of its key through a join sweep, in sort-key order. */
  private Object[] join(JoinPlan j, Object[] request) {
    Object key = j.requestKey(request);
    if (key == null) {
      return null;
    }
    List<Object[]> rows = tables.getOrDefault(j.table(), List.of());
    List<Map.Entry<byte[], Object[]>> keyed = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      if (key.equals(j.tableKey(rows.get(i)))) {
        keyed.add(Map.entry(j.sortKey(false, rows.get(i), i), rows.get(i)));
      }
    }
    keyed.add(Map.entry(j.sortKey(true, request, 0), request));
    keyed.sort((a, b) -> java.util.Arrays.compareUnsigned(a.getKey(), b.getKey()));
    JoinPlan.JoinSweep sweep = j.sweep();
    for (Map.Entry<byte[], Object[]> e : keyed) {
      if (e.getValue() == request) {
        return sweep.pick(request);
      }
      sweep.acceptTableRow(e.getValue());
    }
    throw new AssertionError("the request was not in its own join run");
  }

  /** One output column, per request. */
  List<Object> column(String feature) {
    int i = 0;
    while (!spec.features().get(i).name().equals(feature)) {
      i++;
    }
    int index = i;
    return run().stream().map(r -> r[index]).toList();
  }

  static Instant t(String iso) {
    return Instant.parse(iso);
  }
}
