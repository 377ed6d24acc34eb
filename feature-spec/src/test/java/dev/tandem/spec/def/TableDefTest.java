package dev.tandem.spec.def;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules for rows no engine can use: a NULL time or request key, and a time too far ahead of the clock. */
class TableDefTest {
  private static final TableDef EVENTS = new TableDef("e", TableDef.Role.EVENT, null, "t",
      List.of(new TableDef.ColumnDef("k", Type.STRING), new TableDef.ColumnDef("t", Type.TIMESTAMP)));
  private static final TableDef MILLIS = new TableDef("m", TableDef.Role.EVENT, null, "t",
      List.of(new TableDef.ColumnDef("k", Type.STRING), new TableDef.ColumnDef("t", Type.BIGINT)));
  private static final Instant CLOCK = Instant.parse("2024-03-01T00:00:00Z");

  @Test
  void aRowEightHoursAheadIsRefusedWithTheReason() {
    String reason = EVENTS.aheadOfClock(new Object[] {"a", CLOCK.plus(Duration.ofHours(8))}, CLOCK, TableDef.DEFAULT_MAX_SKEW);
    assertThat(reason, containsString("'t' 2024-03-01T08:00:00Z is more than PT5M ahead of the clock (2024-03-01T00:00:00Z)"));
  }

  @Test
  void aRowWithinTheSkewOrInThePastOrWithoutTimeIsAccepted() {
    Duration skew = TableDef.DEFAULT_MAX_SKEW;
    assertThat(EVENTS.aheadOfClock(new Object[] {"a", CLOCK.plus(skew)}, CLOCK, skew), nullValue());
    assertThat(EVENTS.aheadOfClock(new Object[] {"a", Instant.parse("2018-04-01T00:00:00Z")}, CLOCK, skew), nullValue());
    assertThat(EVENTS.aheadOfClock(new Object[] {"a", null}, CLOCK, skew), nullValue());
  }

  @Test
  void bigintMillisecondTimesAreJudgedTheSameWay() {
    long ahead = CLOCK.plus(Duration.ofMinutes(6)).toEpochMilli();
    assertThat(MILLIS.aheadOfClock(new Object[] {"a", ahead}, CLOCK, TableDef.DEFAULT_MAX_SKEW), containsString("ahead of the clock"));
    assertThat(MILLIS.aheadOfClock(new Object[] {"a", ahead}, CLOCK, Duration.ofMinutes(10)), nullValue());
  }
}
