package dev.tandem.spec;

import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.StatePlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a spec over small in-memory tables for tests: every row of every table is the state of its
 * stores (by key), and each request is evaluated by {@link FeaturePlan#evaluate(Object[], long,
 * StatePlan.Lookup)}, which ignores rows after it. A row's ingestion sequence is its index in its
 * table's list.
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

  /** The output rows, in the order of the request table's rows, each from the core's one evaluate entry. */
  List<Object[]> run() {
    FeaturePlan plan = spec.plan();
    Map<StatePlan.Ref, List<IngestedRow>> state = new HashMap<>();
    for (StatePlan.Store store : plan.state().stores()) {
      List<Object[]> rows = tables.getOrDefault(store.table().name(), List.of());
      for (int i = 0; i < rows.size(); i++) {
        Object key = store.key(rows.get(i));
        if (key != null) {
          state.computeIfAbsent(new StatePlan.Ref(store, key), r -> new ArrayList<>()).add(new IngestedRow(rows.get(i), i));
        }
      }
    }
    List<Object[]> out = new ArrayList<>();
    List<Object[]> requests = tables.getOrDefault(plan.requestTable().name(), List.of());
    for (int sequence = 0; sequence < requests.size(); sequence++) {
      Object[] request = requests.get(sequence);
      out.add(plan.evaluate(request, sequence, (store, key) -> state.getOrDefault(new StatePlan.Ref(store, key), List.of())));
    }
    return out;
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
