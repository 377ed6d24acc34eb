package dev.tandem.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.ServingPlan;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;


class ServingTest {
  private static final Instant T = Instant.parse("2016-04-01T00:00:00Z");

  /** A request table with a bigint time, a user and item, and two derived columns (the second reads the first). */
  private static final String SPEC = """
      name: s
      tables:
        r:
          role: request
          key: id
          time: t
          columns: {id: string, t: bigint, u: string, i: string, a: string, b: string, n: int}
      windows:
        past: {partition: u, rows: 3}
      features:
        - {name: cnt, expr: count(i), over: past}
        - {name: nn, expr: n}
      serving:
        user: u
        item: i
        columns:
          a: "concat(u, '/', i)"
          b: "concat(a, '!')"
        recall:
          recent: {limit: 3}
        filters: ["cnt >= 2", "nn > 0"]
      """;

  @Test
  void theJdRequestRowHasTheRequestDerivedColumnsAndNullElsewhere() throws Exception {
    FeatureSpec spec = FeatureSpec.load(Path.of("specs/jd.yaml"));
    ServingPlan serving = spec.serving();
    assertThat(List.of(serving.userColumn(), serving.itemColumn(), serving.idColumn()), contains("user_id", "sku_id", "reqId"));
    assertThat(List.of(serving.userType(), serving.itemType()), contains(Type.STRING, Type.STRING));
    assertThat(List.of(serving.recentLimit(), serving.popularDays(), serving.popularLimit()), contains(50, 7, 100));
    assertThat(serving.recentStore(), sameInstance(spec.plan().state().store("flattenRequest_clean", "user_id")));

    Object[] row = serving.requestRow("u1", "s2", T, "r1", Map.of());
    TableDef request = spec.plan().requestTable();
    assertThat(request.names(), contains("reqId", "eventTime", "main_id", "pair_id", "user_id", "sku_id", "time", "split_id", "time1"));
    assertThat(Arrays.asList(row), contains("r1", T, null, "u1_s2", "u1", "s2", T.toEpochMilli(), null, null));
    assertThat(row[request.indexOf("time")], is(1459468800000L)); // bigint(eventTime) is epoch milliseconds

    Object[] features = spec.plan().evaluate(row, Long.MAX_VALUE, (store, key) -> List.of());
    assertThat(features[spec.features().stream().map(FeatureDef::name).toList().indexOf("flattenRequest_pair_id_original_24")],
        is("u1_s2"));
    assertThat(serving.keep(features), is(true)); // no filters
  }

  @Test
  void givenValuesOverrideDerivedOnesAndLaterDerivedColumnsReadThem() throws Exception {
    ServingPlan serving = FeatureSpec.parse(SPEC, "s.yaml").serving();
    // id, t, u, i, a, b, n; a bigint time column gets epoch milliseconds (sub-millisecond part dropped)
    assertThat(Arrays.asList(serving.requestRow("u1", "s2", T.plusNanos(999_999), "r1", Map.of())),
        contains("r1", T.toEpochMilli(), "u1", "s2", "u1/s2", "u1/s2!", null));
    assertThat(Arrays.asList(serving.requestRow("u1", "s2", T, "r1", Map.of("a", "x", "n", 7))),
        contains("r1", T.toEpochMilli(), "u1", "s2", "x", "x!", 7));
  }

  @Test
  void givenValuesForColumnsSetFromTheRequestAreRefused() throws Exception {
    ServingPlan serving = FeatureSpec.parse(SPEC, "s.yaml").serving();
    for (String column : List.of("u", "i", "t", "id")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> serving.requestRow("u1", "s2", T, "r1", Map.of(column, "x")));
      assertThat(e.getMessage(), containsString("'" + column + "'"));
    }
    assertThat(assertThrows(IllegalArgumentException.class, () -> serving.requestRow("u1", "s2", T, "r1", Map.of("zz", 1)))
        .getMessage(), is("unknown column 'zz' in request table 'r'"));
  }

  @Test
  void recentItemsAreDistinctNewestFirstAndLimited() throws Exception {
    ServingPlan serving = FeatureSpec.parse(SPEC, "s.yaml").serving();
    List<IngestedRow> rows = new ArrayList<>();
    Object[][] timeAndItem = {{1000L, "A"}, {3000L, "B"}, {2000L, "C"}, {3000L, "D"}, {4000L, "A"}, {5000L, null}, {2500L, "E"}};
    for (int seq = 0; seq < timeAndItem.length; seq++) {
      rows.add(new IngestedRow(new Object[] {"r" + seq, timeAndItem[seq][0], "u1", timeAndItem[seq][1], null, null, null}, seq));
    }
    // D and B share a time: D was ingested later, so it is newer; NULL items are no candidates
    assertThat(serving.recentItems(rows, 10), contains("A", "D", "B", "E", "C"));
    assertThat(serving.recentItems(rows, serving.recentLimit()), contains("A", "D", "B"));
    assertThat(serving.recentItems(List.of(), 3), is(empty()));
  }

  @Test
  void aCandidateIsKeptOnlyWhenEveryFilterIsTrue() throws Exception {
    ServingPlan serving = FeatureSpec.parse(SPEC, "s.yaml").serving();
    assertThat(serving.keep(new Object[] {2L, 5}), is(true));
    assertThat(serving.keep(new Object[] {1L, 5}), is(false));
    assertThat(serving.keep(new Object[] {3L, null}), is(false)); // NULL counts as false
  }

  @Test
  void aSpecWithoutServingHasNone() throws Exception {
    FeatureSpec spec = FeatureSpec.parse(SPEC.substring(0, SPEC.indexOf("serving:")), "s.yaml");
    assertThat(spec.serving(), nullValue());
    assertThat(spec.features(), hasSize(2));
    assertThat(FeatureSpec.parse(SPEC, "s.yaml").serving().idColumn(), equalTo("id")); // the key by default
  }
}
