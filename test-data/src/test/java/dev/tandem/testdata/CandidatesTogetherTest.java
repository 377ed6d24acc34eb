package dev.tandem.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import dev.tandem.beam.TandemFiles;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.StatePlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A recommendation evaluates one user's candidates together (one sweep of the user's history for
 * all of them): each candidate's features must be exactly those it gets evaluated alone, on the
 * JD spec over each fixture's whole state, with candidates at the request's instant, a NULL
 * item, a NULL user and duplicates among them.
 */
class CandidatesTogetherTest {
  @ParameterizedTest
  @EnumSource(JdGenerator.Mode.class)
  void candidatesTogetherGetWhatEachGetsAlone(JdGenerator.Mode mode) throws Exception {
    FeatureSpec spec = FeatureSpec.load(JdSampleRun.SPEC);
    FeaturePlan plan = spec.plan();
    Map<StatePlan.Ref, List<IngestedRow>> state = new HashMap<>();
    List<Object[]> requests = new ArrayList<>();
    Set<Object> skus = new LinkedHashSet<>();
    for (TableDef table : spec.tables()) {
      TandemFiles.readTable(spec, Fixtures.jd(mode).toString(), table, new TandemFiles.TableRows() {
        @Override
        public void row(Object[] values, long sequence) {
          for (StatePlan.Store store : plan.state().storesOf(table.name())) {
            Object key = store.key(values);
            if (key != null) {
              state.computeIfAbsent(new StatePlan.Ref(store, key), r -> new ArrayList<>()).add(new IngestedRow(values, sequence));
            }
          }
          if (table.name().equals(plan.requestTable().name())) {
            requests.add(values);
          }
          if (table.columns().stream().anyMatch(c -> c.name().equals("sku_id")) && values[table.indexOf("sku_id")] != null) {
            skus.add(values[table.indexOf("sku_id")]);
          }
        }

        @Override
        public void rejected(String reason) {}
      });
    }
    StatePlan.Lookup lookup = (store, key) -> state.getOrDefault(new StatePlan.Ref(store, key), List.of());
    TableDef request = plan.requestTable();
    List<Object> skuList = new ArrayList<>(skus);
    Random random = new Random(7);
    int compared = 0;
    int distinctRows = 0;
    for (Object[] row : requests.subList(0, 40)) {
      List<Object[]> candidates = new ArrayList<>();
      for (int c = 0; c < 12; c++) {
        Object[] candidate = row.clone();
        Object sku = c == 0 ? null : c == 1 ? row[request.indexOf("sku_id")] : skuList.get(random.nextInt(skuList.size()));
        candidate[request.indexOf("reqId")] = row[request.indexOf("reqId")] + "#" + c;
        candidate[request.indexOf("sku_id")] = sku;
        candidate[request.indexOf("pair_id")] = row[request.indexOf("user_id")] + "_" + sku;
        candidates.add(candidate);
      }
      candidates.add(candidates.get(5).clone());
      Object[] anonymous = row.clone();
      anonymous[request.indexOf("user_id")] = null;
      candidates.add(anonymous);

      List<Object[]> together = plan.evaluate(candidates, Long.MAX_VALUE, lookup);
      Set<List<Object>> distinct = new java.util.HashSet<>();
      for (int c = 0; c < candidates.size(); c++) {
        Object[] alone = plan.evaluate(candidates.get(c), Long.MAX_VALUE, lookup);
        assertThat("candidate " + c + " of request " + row[0] + ":\n together " + Arrays.toString(together.get(c))
            + "\n alone    " + Arrays.toString(alone), Arrays.equals(together.get(c), alone), is(true));
        Object id = candidates.get(c)[request.indexOf("reqId")];
        distinct.add(Arrays.stream(alone).filter(v -> !java.util.Objects.equals(v, id)).toList());
        compared++;
      }
      distinctRows += distinct.size();
    }
    assertThat(compared, is(40 * 14));
    // Besides their ids, candidates' features differ from each other, so mixing them up would show.
    assertThat(distinctRows, greaterThan(40 * 5));
  }
}
