package dev.tandem.spec;

import static dev.tandem.spec.Specs.r;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;

import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;


/** Row-level functions, operators and canonical text forms. */
class ScalarFunctionsTest {
  private static final ZoneOffset UTC8 = ZoneOffset.ofHours(8);

  /** The value of {@code expr} for one request row (t = time, v = 7, f = 1.5, s = "ab"). */
  private static Object eval(String expr, String time) {
    LocalEval e = new LocalEval(Specs.with("  w: {partition: k, rows: 1}\n", "  - {name: x, expr: \"" + expr + "\"}\n"));
    e.rows("r", r("1", time, "k", 7, 1.5f, "ab"));
    return e.column("x").get(0);
  }

  private static Object eval(String expr) {
    return eval(expr, "2016-02-05T16:46:50Z");
  }

  @Test
  void dayofweekIsComputedInUtcPlus8WithSundayAsOne() {
    // Friday 16:46 UTC is Saturday 00:46 in UTC+8
    assertThat(eval("dayofweek(t)", "2016-02-05T16:46:50Z"), equalTo(7));
    assertThat(eval("dayofweek(t)", "2016-02-05T15:59:59Z"), equalTo(6));
    // Saturday 16:00 UTC is Sunday 00:00 in UTC+8
    assertThat(eval("dayofweek(t)", "2016-02-06T16:00:00Z"), equalTo(1));
    assertThat(eval("case when 1 < dayofweek(t) and dayofweek(t) < 7 then 1 else 0 end", "2016-02-05T16:46:50Z"), equalTo(0));
  }

  @Test
  void calendarPartsUseTheSpecTimeZone() {
    assertThat(eval("hour(t)"), equalTo(0));
    assertThat(eval("day(t)"), equalTo(6));
    assertThat(eval("month(t)"), equalTo(2));
    assertThat(eval("year(t)", "2015-12-31T16:00:00Z"), equalTo(2016));
  }

  @Test
  void castsParseOrGiveNull() {
    assertThat(eval("int('42')"), equalTo(42));
    assertThat(eval("int('4x')"), nullValue());
    assertThat(eval("bigint(t)", "1970-01-01T00:00:01Z"), equalTo(1000L));
    assertThat(eval("timestamp(bigint(1000))"), equalTo(Instant.ofEpochMilli(1000)));
    assertThat(eval("string(f)"), equalTo("1.500000"));
    assertThat(eval("string(t)", "2016-02-05T16:46:50Z"), equalTo("2016-02-06 00:46:50"));
    assertThat(eval("float(v)"), equalTo(7.0f));
    assertThat(eval("bool(0)"), equalTo(false));
  }

  @Test
  void arithmeticWidensAndDivisionIsDouble() {
    assertThat(eval("v + 1"), equalTo(8));
    assertThat(eval("v + bigint(1)"), equalTo(8L));
    assertThat(eval("v / 2"), equalTo(3.5));
    assertThat(eval("v % 4"), equalTo(3));
    assertThat(eval("v / 0"), nullValue());
    assertThat(eval("f * 2"), equalTo(3.0f));
    assertThat(eval("-v"), equalTo(-7));
  }

  @Test
  void nullPropagatesAndLogicIsThreeValued() {
    assertThat(eval("v + null"), nullValue());
    assertThat(eval("null = null"), nullValue());
    assertThat(eval("isnull(null)"), equalTo(true));
    assertThat(eval("s is not null"), equalTo(true));
    assertThat(eval("false and null"), equalTo(false));
    assertThat(eval("true or null"), equalTo(true));
    assertThat(eval("true and null"), nullValue());
    assertThat(eval("case when null then 1 else 2 end"), equalTo(2));
    assertThat(eval("if(v > 3, 'big', 'small')"), equalTo("big"));
    assertThat(eval("concat(s, '-', v)"), equalTo("ab-7"));
    assertThat(eval("concat(s, null)"), nullValue());
  }

  @Test
  void comparisonsConvertNumbersAndCompareStringsByCodePoint() {
    assertThat(eval("v = 7.0"), equalTo(true));
    assertThat(eval("s < 'b'"), equalTo(true));
    assertThat(eval("'\uFF21' < '\uD83D\uDE00'"), equalTo(true)); // U+FF21 before U+1F600
  }

  @Test
  void canonicalTextForms() {
    assertThat(Values.text(Type.FLOAT, 0.1f, UTC8), equalTo("0.100000"));
    assertThat(Values.text(Type.FLOAT, 1.1f, UTC8), equalTo("1.100000"));
    assertThat(Values.text(Type.DOUBLE, 2.0 / 3, UTC8), equalTo("0.666667"));
    assertThat(Values.text(Type.BIGINT, -5L, UTC8), equalTo("-5"));
    assertThat(Values.text(Type.TIMESTAMP, Instant.parse("2016-01-31T16:00:00Z"), UTC8), equalTo("2016-02-01 00:00:00"));
    assertThat(Values.textOrNull(Type.STRING, null, UTC8), equalTo("NULL"));
    assertThat(Values.text(Type.STRING, "", UTC8), equalTo(""));
    assertThat(Values.compareCodePoints("\uFFFF", "\uD83D\uDE00"), lessThan(0));
    assertThat("Java's own order differs", "\uFFFF".compareTo("\uD83D\uDE00") > 0, equalTo(true));
  }

  @Test
  void featuresMayReferToOtherFeatures() {
    LocalEval e = new LocalEval(Specs.with("  w: {partition: k, rows: 1}\n",
        "  - {name: doubled, expr: \"twice * 1\"}\n  - {name: twice, expr: \"v * 2\"}\n"));
    e.rows("r", r("1", "2016-01-01T00:00:00Z", "k", 7, null, null));
    assertThat(e.column("doubled"), contains(14));
  }
}
