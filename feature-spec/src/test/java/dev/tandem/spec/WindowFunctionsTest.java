package dev.tandem.spec;

import static dev.tandem.spec.Specs.r;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;
import org.junit.jupiter.api.Test;


/** Every window function on hand-made windows over one key (ROWS 10: each request sees all before it). */
class WindowFunctionsTest {
  private static final String WINDOW = "  w: {partition: k, rows: 10}\n";

  /** The value of {@code expr} for the last request after {@code rows} (all of key "a", one second apart). */
  private static Object last(String expr, Object[]... rows) {
    LocalEval eval = new LocalEval(Specs.with(WINDOW, "  - {name: x, expr: \"" + expr + "\", over: w}\n"));
    eval.rows("r", rows);
    List<Object> column = eval.column("x");
    return column.get(column.size() - 1);
  }

  private static Object[] v(int second, Integer v) {
    return r("id" + second, String.format("2016-01-01T00:00:%02dZ", second), "a", v, null, null);
  }

  private static Object[] f(int second, Float f) {
    return r("id" + second, String.format("2016-01-01T00:00:%02dZ", second), "a", null, f, null);
  }

  private static Object[] s(int second, String s) {
    return r("id" + second, String.format("2016-01-01T00:00:%02dZ", second), "a", null, null, s);
  }

  @Test
  void countSumAvgSkipNulls() {
    assertThat(last("count(v)", v(1, 3), v(2, null), v(3, 4)), equalTo(2L));
    assertThat(last("sum(v)", v(1, 3), v(2, null), v(3, 4)), equalTo(7L));
    assertThat(last("sum(f)", f(1, 1.5f), f(2, 2.25f)), equalTo(3.75));
    assertThat(last("avg(v)", v(1, 3), v(2, null), v(3, 4)), equalTo(3.5));
    assertThat(last("sum(v)", v(1, null), v(2, null)), nullValue());
    assertThat(last("avg(v)", v(1, null)), nullValue());
  }

  @Test
  void minAndMaxKeepTheInputTypeAndSkipNulls() {
    assertThat(last("max(f)", f(1, 0.5f), f(2, null), f(3, 0.25f)), equalTo(0.5f));
    assertThat(last("min(f)", f(1, 0.5f), f(2, null), f(3, 0.25f)), equalTo(0.25f));
    assertThat(last("min(v)", v(1, null), v(2, null)), nullValue());
    assertThat(last("max(s)", s(1, "b"), s(2, "a"), s(3, "ab")), equalTo("b"));
    assertThat(last("min(s)", s(1, "b"), s(2, ""), s(3, "a")), equalTo(""));
  }

  @Test
  void distinctCountCountsNullAsOneValueAndKeepsNullEmptyAndZeroApart() {
    assertThat(last("distinct_count(v)", v(1, 4), v(2, 4), v(3, null)), equalTo(2L));
    assertThat(last("distinct_count(s)", s(1, null), s(2, ""), s(3, ""), s(4, "0")), equalTo(3L));
    assertThat(last("distinct_count(v)", v(1, 0), v(2, null), v(3, 0)), equalTo(2L));
    assertThat(last("distinct_count(f)", f(1, 0.0f), f(2, -0.0f)), equalTo(1L));
  }

  @Test
  void top1RatioIgnoresNullsAndIsZeroWithoutValues() {
    assertThat(last("top1_ratio(s)", s(1, "x"), s(2, "y"), s(3, "x"), s(4, null)), equalTo(2.0 / 3));
    assertThat(last("top1_ratio(s)", s(1, null), s(2, null)), equalTo(0.0));
    assertThat(last("top1_ratio(s)", s(1, ""), s(2, ""), s(3, "a")), equalTo(2.0 / 3));
  }

  @Test
  void topnFrequencyOrdersByCountThenSmallerValueAndPadsWithNull() {
    assertThat(last("topn_frequency(v, 3)", v(1, 8), v(2, 4), v(3, 4), v(4, 1), v(5, 8), v(6, 4), v(7, 1), v(8, 3)),
        equalTo("4,1,8"));
    assertThat(last("topn_frequency(v, 3)", v(1, 1)), equalTo("1,NULL,NULL"));
    assertThat(last("topn_frequency(s, 3)", s(1, "1"), s(2, ""), s(3, "1"), s(4, null)), equalTo("1,,NULL"));
    assertThat(last("topn_frequency(s, 3)", s(1, null), s(2, null)), equalTo("NULL,NULL,NULL"));
    // NULL, '' and '0' are three things: '' and '0' are values (in that order), NULL is padding
    assertThat(last("topn_frequency(s, 3)", s(1, "0"), s(2, null), s(3, ""), s(4, null)), equalTo(",0,NULL"));
    assertThat(last("topn_frequency(v, 3)", v(1, 0), v(2, null), v(3, 0)), equalTo("0,NULL,NULL"));
    // numbers in numeric order (9 before 10), strings in code-point order ("10" before "9")
    assertThat(last("topn_frequency(v, 2)", v(1, 10), v(2, 9)), equalTo("9,10"));
    assertThat(last("topn_frequency(s, 2)", s(1, "9"), s(2, "10")), equalTo("10,9"));
    // UTF-8 byte order: U+FFFF sorts before U+1F600, though Java's UTF-16 compareTo says otherwise
    assertThat(last("topn_frequency(s, 2)", s(1, "\uD83D\uDE00"), s(2, "\uFFFF")), equalTo("\uFFFF,\uD83D\uDE00"));
  }

  @Test
  void topnFrequencyPrintsFloatsWithSixDecimals() {
    assertThat(last("topn_frequency(f, 3)", f(1, 1.1f), f(2, 1.1f), f(3, 0.5f)), equalTo("1.100000,0.500000,NULL"));
  }

  @Test
  void countWhereCountsRowsWithAValueAndATrueCondition() {
    assertThat(last("count_where(s, s = at(s, 0))", s(1, "x"), s(2, "y"), s(3, "x"), s(4, "x")), equalTo(3L));
    assertThat(last("count_where(s, s = at(s, 0))", s(1, null), s(2, null)), equalTo(0L)); // NULL = NULL is not true
    assertThat(last("count_where(v, v > 2)", v(1, 3), v(2, null), v(3, 1)), equalTo(1L));
  }

  @Test
  void atLagFirstAndLastReadRowsByPosition() {
    Object[][] rows = {v(1, 10), v(2, 20), v(3, 30)};
    assertThat(last("at(v, 0)", rows), equalTo(30));
    assertThat(last("lag(v, 1)", rows), equalTo(20));
    assertThat(last("at(v, 2)", rows), equalTo(10));
    assertThat(last("at(v, 3)", rows), nullValue());
    assertThat(last("first(v)", rows), equalTo(10));
    assertThat(last("last(v)", rows), equalTo(30));
  }

  @Test
  void jdCount35IsNullWhenTheCurrentValueIsNull() {
    String expr = "case when !isnull(at(s, 0)) then count_where(s, s = at(s, 0)) else null end";
    LocalEval eval = new LocalEval(Specs.with(WINDOW, "  - {name: x, expr: \"" + expr + "\", over: w}\n"));
    eval.rows("r", s(1, "p"), s(2, "p"), s(3, null));
    assertThat(eval.column("x"), contains(1L, 2L, null));
  }
}
