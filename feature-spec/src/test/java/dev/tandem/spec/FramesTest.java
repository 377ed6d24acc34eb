package dev.tandem.spec;

import static dev.tandem.spec.Specs.e;
import static dev.tandem.spec.Specs.r;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.StatePlan;
import dev.tandem.spec.eval.WindowGroup;
import dev.tandem.spec.eval.WindowSweep;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;


/** Which rows each frame type gives a request: ROWS, range, MAXSIZE, union, ties, NULL keys. */
class FramesTest {

  /** A feature listing the window's s values, oldest first (concat of first..last via topn would reorder). */
  private static LocalEval eval(String window, String expr) {
    return new LocalEval(Specs.with("  w: " + window + "\n", "  - {name: x, expr: \"" + expr + "\", over: w}\n"));
  }

  @Test
  void rowsWindowHoldsTheCurrentRowAndUpToNBefore() {
    LocalEval eval = eval("{partition: k, rows: 2}", "count(id)");
    eval.rows("r",
        r("1", "2016-01-01T00:00:01Z", "a", 1, null, null),
        r("2", "2016-01-01T00:00:02Z", "a", 2, null, null),
        r("3", "2016-01-01T00:00:03Z", "a", 3, null, null),
        r("4", "2016-01-01T00:00:04Z", "a", 4, null, null),
        r("5", "2016-01-01T00:00:05Z", "b", 5, null, null));
    assertThat(eval.column("x"), contains(1L, 2L, 3L, 3L, 1L));
  }

  @Test
  void rangeIncludesARowExactlyOnTheBoundaryAndNotOneMillisecondOlder() {
    LocalEval eval = eval("{partition: k, range: 10h}", "sum(v)");
    eval.rows("r",
        r("old", "2016-01-01T01:59:59.999Z", "a", 1, null, null),
        r("edge", "2016-01-01T02:00:00Z", "a", 10, null, null),
        r("now", "2016-01-01T12:00:00Z", "a", 100, null, null));
    assertThat(eval.column("x"), contains(1L, 11L, 110L));
  }

  @Test
  void maxsizeKeepsTheMostRecentRowsCurrentIncluded() {
    LocalEval eval = eval("{partition: k, range: 1d, maxsize: 3}", "sum(v)");
    eval.rows("r",
        r("1", "2016-01-01T00:00:01Z", "a", 1, null, null),
        r("2", "2016-01-01T00:00:02Z", "a", 10, null, null),
        r("3", "2016-01-01T00:00:03Z", "a", 100, null, null),
        r("4", "2016-01-01T00:00:04Z", "a", 1000, null, null));
    assertThat(eval.column("x"), contains(1L, 11L, 111L, 1110L));
  }

  @Test
  void equalTimestampsOrderByIngestionThenValuesWhateverTheDeliveryOrder() {
    // Three requests of one key at the same instant: each sees those ingested before it.
    LocalEval eval = eval("{partition: k, rows: 10}", "count(id)");
    eval.rows("r",
        r("b", "2016-01-01T00:00:00Z", "a", 1, null, null),
        r("a", "2016-01-01T00:00:00Z", "a", 2, null, null),
        r("c", "2016-01-01T00:00:00Z", "a", 3, null, null));
    assertThat(eval.column("x"), contains(1L, 2L, 3L));

    // The group's order sorts shuffled entries back into one sequence.
    WindowGroup g = eval.spec.plan().groups().get(0);
    List<WindowGroup.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      entries.add(g.entry(0, new IngestedRow(r("id" + i, "2016-01-01T00:00:00Z", "a", i, null, null), i % 7)));
    }
    List<WindowGroup.Entry> sorted = new ArrayList<>(entries);
    sorted.sort(g.order());
    for (long seed = 1; seed <= 5; seed++) {
      List<WindowGroup.Entry> shuffled = new ArrayList<>(entries);
      Collections.shuffle(shuffled, new Random(seed));
      shuffled.sort(g.order());
      assertThat(shuffled, equalTo(sorted));
    }
  }

  @Test
  void sortKeysOrderEntriesExactlyAsTheComparatorDoes() {
    String window = "{union: [e], partition: k, range: 1d, request_row: {v: 0, f: 0.0, s: \"''\"}}";
    LocalEval eval = new LocalEval(Specs.with("  w: " + window + "\n", "  - {name: n, expr: count(t), over: w}\n"));
    WindowGroup g = eval.spec.plan().groups().get(0);
    Random random = new Random(3);
    String[] strings = {null, "", "a", "ab", "b", "\u0000", "a\u0000b", "\uFF21", "\uD83D\uDE00"};
    Float[] floats = {null, -1.5f, -0.0f, 0.0f, 0.25f, 3f};
    Integer[] ints = {null, Integer.MIN_VALUE, -1, 0, 7, Integer.MAX_VALUE};
    List<WindowGroup.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      String time = "2016-01-01T00:00:0" + random.nextInt(3) + "Z";
      Object[] row = random.nextInt(4) == 0
          ? r("id" + random.nextInt(5), time, "k", ints[random.nextInt(ints.length)], null, null)
          : e(time, "k", ints[random.nextInt(ints.length)], floats[random.nextInt(floats.length)],
              strings[random.nextInt(strings.length)]);
      entries.add(g.entry(row.length == 6 ? 0 : 1, new IngestedRow(row, random.nextInt(3))));
    }
    for (int i = 0; i < entries.size() - 1; i++) {
      WindowGroup.Entry a = entries.get(i);
      WindowGroup.Entry b = entries.get(i + 1);
      assertThat(Integer.signum(java.util.Arrays.compareUnsigned(g.sortKey(a), g.sortKey(b))),
          equalTo(Integer.signum(g.order().compare(a, b))));
    }
  }

  @Test
  void unionWindowHoldsTheRequestProjectionAndUnionRowsButNotOtherRequests() {
    String window = "{union: [e], partition: k, range: 1d, instance_not_in_window: true, request_row: {v: 0, f: 0.0, s: \\\"''\\\"}}";
    LocalEval eval = new LocalEval(Specs.with("  w: " + window.replace("\\\"", "\"") + "\n",
        "  - {name: n, expr: count(t), over: w}\n  - {name: total, expr: sum(v), over: w}\n"
            + "  - {name: low, expr: min(f), over: w}\n  - {name: kinds, expr: distinct_count(s), over: w}\n"));
    eval.rows("e",
        e("2016-01-01T00:00:00Z", "a", 5, 0.5f, "x"),
        e("2016-01-02T00:00:00Z", "a", 7, 0.7f, "y"), // exactly at the second request's time: in its window
        e("2016-01-03T00:00:00Z", "a", 9, 0.9f, "z")); // after every request: in none
    eval.rows("r",
        r("1", "2016-01-01T12:00:00Z", "a", 100, null, null),
        r("2", "2016-01-02T00:00:00Z", "a", 100, null, null),
        r("3", "2016-01-01T12:00:00Z", "b", 100, null, null));
    assertThat(eval.column("n"), contains(2L, 3L, 1L));
    assertThat(eval.column("total"), contains(5L, 12L, 0L)); // the request counts with its projection v = 0
    assertThat(eval.column("low"), contains(0.0f, 0.0f, 0.0f)); // ... so min(f) is never above 0
    assertThat(eval.column("kinds"), contains(2L, 3L, 1L));
  }

  @Test
  void atEqualTimesMaxsizeDropsUnionRowsFirstAndTheRequestIsMostRecent() {
    String window = "{union: [e], partition: k, range: 1d, maxsize: 2, instance_not_in_window: true, "
        + "request_row: {v: 0, f: 0.0, s: \"'req'\"}}";
    LocalEval eval = new LocalEval(Specs.with("  w: " + window + "\n",
        "  - {name: prev, expr: \"at(s, 1)\", over: w}\n  - {name: cur, expr: \"at(s, 0)\", over: w}\n"));
    eval.rows("e",
        e("2016-01-01T00:00:00Z", "a", 1, 0f, "first ingested"),
        e("2016-01-01T00:00:00Z", "a", 2, 0f, "last ingested"));
    eval.rows("r", r("1", "2016-01-01T00:00:00Z", "a", 0, null, null));
    assertThat(eval.column("cur"), contains("req"));
    assertThat(eval.column("prev"), contains("last ingested"));
  }

  @Test
  void withoutInstanceNotInWindowOtherRequestsJoinTheUnionWindow() {
    String window = "{union: [e], partition: k, rows: 10, request_row: {v: 0, f: 0.0, s: \"'req'\"}}";
    LocalEval eval = new LocalEval(Specs.with("  w: " + window + "\n", "  - {name: n, expr: count(t), over: w}\n"));
    eval.rows("e", e("2016-01-01T00:00:00Z", "a", 1, 0f, "x"));
    eval.rows("r", r("1", "2016-01-01T01:00:00Z", "a", 0, null, null), r("2", "2016-01-01T02:00:00Z", "a", 0, null, null));
    assertThat(eval.column("n"), contains(2L, 3L));
  }

  @Test
  void aNullKeyMatchesNothing() {
    LocalEval eval = eval("{partition: k, rows: 10}", "count(id)");
    eval.rows("r",
        r("1", "2016-01-01T00:00:01Z", null, 1, null, null),
        r("2", "2016-01-01T00:00:02Z", null, 1, null, null),
        r("4", "2016-01-01T00:00:04Z", "a", 1, null, null));
    assertThat(eval.column("x"), contains(1L, 1L, 1L));
  }

  @Test
  void aRequestWithANullTimeIsRejectedAndAStoredRowWithANullTimeIsInNoWindow() {
    LocalEval eval = eval("{partition: k, rows: 10}", "count(id)");
    eval.rows("r", new Object[] {"3", null, "a", 1, null, null});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, eval::run);
    assertThat(e.getMessage(), containsString("request 3: column 't' is NULL"));

    FeaturePlan plan = eval.spec.plan();
    StatePlan.Store store = plan.state().stores().get(0);
    Object[] request = r("4", "2016-01-01T00:00:04Z", "a", 1, null, null);
    List<IngestedRow> stored = List.of(new IngestedRow(new Object[] {"3", null, "a", 1, null, null}, 0),
        new IngestedRow(r("2", "2016-01-01T00:00:02Z", "a", 1, null, null), 1));
    int x = plan.features().size() - 1;
    assertThat(plan.evaluate(request, Long.MAX_VALUE, (s, k) -> s == store && k.equals("a") ? stored : List.of())[x], is(2L));
    assertThat(store.retain(stored), hasSize(1));
  }

  @Test
  void aSweepKeepsOnlyTheRowsItsFramesCanStillReach() {
    LocalEval eval = eval("{partition: k, range: 1h, maxsize: 5}", "count(id)");
    WindowGroup g = eval.spec.plan().groups().get(0);
    WindowSweep sweep = g.sweep();
    for (int i = 0; i < 10_000; i++) {
      Object[] row = r("id" + i, java.time.Instant.ofEpochSecond(i).toString(), "a", i, null, null);
      Object[] values = sweep.accept(g.entry(0, new IngestedRow(row, i)));
      assertThat(values[0], equalTo((long) Math.min(i + 1, 5)));
      assertThat(sweep.retained(), lessThanOrEqualTo(5));
    }
  }

  @Test
  void rowsOutOfOrderAreRefused() {
    LocalEval eval = eval("{partition: k, rows: 3}", "count(id)");
    WindowGroup g = eval.spec.plan().groups().get(0);
    WindowSweep sweep = g.sweep();
    sweep.accept(g.entry(0, new IngestedRow(r("2", "2016-01-02T00:00:00Z", "a", 1, null, null), 0)));
    assertThrows(IllegalArgumentException.class,
        () -> sweep.accept(g.entry(0, new IngestedRow(r("1", "2016-01-01T00:00:00Z", "a", 1, null, null), 1))));
  }

  @Test
  void lastJoinPicksTheLatestOrThePointInTimeRow() {
    String spec = Specs.TABLES + """
        joins:
          latest: {table: d, on: k}
          asof: {table: d, on: k, pick: point_in_time}
        features:
          - {name: latest, expr: latest.s}
          - {name: asof, expr: asof.s}
        """;
    LocalEval eval = new LocalEval(spec);
    eval.rows("d",
        new Object[] {LocalEval.t("2016-01-01T00:00:00Z"), "a", "jan"},
        new Object[] {LocalEval.t("2016-03-01T00:00:00Z"), "a", "mar, first ingested"},
        new Object[] {LocalEval.t("2016-03-01T00:00:00Z"), "a", "mar, last ingested"},
        new Object[] {LocalEval.t("2016-01-01T00:00:00Z"), null, "null key"});
    eval.rows("r",
        r("1", "2016-02-01T00:00:00Z", "a", 0, null, null),
        r("2", "2015-12-01T00:00:00Z", "a", 0, null, null),
        r("3", "2016-02-01T00:00:00Z", null, 0, null, null));
    assertThat(eval.column("latest"), contains("mar, last ingested", "mar, last ingested", null));
    assertThat(eval.column("asof"), contains("jan", null, null));
  }
}
