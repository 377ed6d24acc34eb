package dev.tandem.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.StatePlan;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;


class StatePlanTest {
  @Test
  void theJdSpecKeepsSixStoresEachSizedByTheWindowsAndJoinsThatReadIt() throws Exception {
    StatePlan state = FeatureSpec.load(Path.of("specs/jd.yaml")).plan().state();
    assertThat(state.stores().stream().map(Object::toString).toList(), contains(
        "flattenRequest_clean by user_id", "bo_comment by sku_id", "bo_action by pair_id",
        "action by reqId", "bo_product by sku_id", "bo_user by user_id"));
    assertThat(state.store("bo_action", "pair_id").describe(), is("bo_action by pair_id: window action_10h (rows of the last 10h,"
        + " at most 99), window action_7d (rows of the last 7d, at most 99), window action_14d (rows of the last 14d, at most 99);"
        + " columns [ingestionTime, pair_id, time, model_id, type, cate, br]"));
    assertThat(state.store("bo_product", "sku_id").latestOnly(), is(true));
    assertThat(state.store("bo_comment", "sku_id").latestOnly(), is(false));
  }

  @Test
  void retainKeepsWhatAnyFrameReachesFromTheNewestRow() {
    FeatureSpec spec = spec("  w1: {union: [e], partition: k, rows: 3, instance_not_in_window: true}\n"
        + "  w2: {union: [e], partition: k, range: 1h, maxsize: 5, instance_not_in_window: true}\n");
    StatePlan.Store store = spec.plan().state().store("e", "k");
    List<IngestedRow> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) { // one row a minute, then one two hours later
      rows.add(new IngestedRow(new Object[] {Instant.ofEpochSecond(60L * i), "a", i, null, null}, i));
    }
    assertThat(store.retain(rows).stream().map(r -> r.values()[2]).toList(), contains(6, 7, 8, 9)); // MAXSIZE 5: 4 + the request
    rows.add(new IngestedRow(new Object[] {Instant.ofEpochSecond(7200 + 600), "a", 10, null, null}, 10));
    assertThat(store.retain(rows).stream().map(r -> r.values()[2]).toList(), contains(8, 9, 10)); // ROWS 3 only
    assertThat(store.retain(store.retain(rows)), hasSize(3));
  }

  @Test
  void retainKeepsTheRowsALastJoinPicks() {
    FeatureSpec spec = spec("");
    StatePlan.Store store = spec.plan().state().store("d", "k");
    List<IngestedRow> rows = List.of(
        new IngestedRow(new Object[] {Instant.ofEpochSecond(5), "a", "newest"}, 0),
        new IngestedRow(new Object[] {Instant.ofEpochSecond(1), "a", "older"}, 1),
        new IngestedRow(new Object[] {Instant.ofEpochSecond(5), "a", "same time, ingested later"}, 2));
    assertThat(store.retain(rows).stream().map(r -> r.values()[2]).toList(), contains("same time, ingested later"));
  }

  private static FeatureSpec spec(String windows) {
    String features = windows.isEmpty()
        ? "  - {name: x, expr: j.s}\n"
        : "  - {name: x, expr: count(v), over: w1}\n  - {name: y, expr: count(v), over: w2}\n";
    try {
      return FeatureSpec.parse(Specs.with(windows, features).replace("windows:\n" + (windows.isEmpty() ? "features" : ""),
          windows.isEmpty() ? "joins:\n  j: {table: d, on: k}\nfeatures" : "windows:\n") , "t.yaml");
    } catch (SpecException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
