package dev.tandem.spec.def;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A table of the spec: its role, key and time columns, and its columns in declared order. */
public record TableDef(String name, Role role, String key, String time, List<ColumnDef> columns)
    implements java.io.Serializable {

  public enum Role { REQUEST, EVENT, DIMENSION }

  /** How far ahead of the clock that judges it a row's time may be, unless configured otherwise. */
  public static final Duration DEFAULT_MAX_SKEW = Duration.ofMinutes(5);

  /** One column: name and type. */
  public record ColumnDef(String name, Type type) implements java.io.Serializable {}

  /** The position of a column, or -1. */
  public int indexOf(String column) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(column)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Why no engine can use a row of this table, or {@code null}: a row with a NULL time cannot be
   * placed in time, and a request without its key cannot be told apart. The one rule the Beam
   * transforms, online ingestion and the consistency check reject rows by.
   */
  public String rejection(Object[] values) {
    if (time != null && values[indexOf(time)] == null) {
      return "column '" + time + "': NULL time";
    }
    if (role == Role.REQUEST && values[indexOf(key)] == null) {
      return "column '" + key + "': NULL request key";
    }
    return null;
  }

  /**
   * Why a row is too far ahead of {@code clock} to enter state, or {@code null}: its time is later
   * than {@code clock + maxSkew}. Retention is measured from a key's newest row, so one
   * future-dated row would evict that key's older window rows for good. {@code clock} is the
   * server's for live traffic and the data's own time for replays and catch-up (a stream
   * message's timestamp, a replay's position), so historical data stays accepted. The one rule
   * ingestion, the stream job and materialization's replay of the event log refuse rows by.
   */
  public String aheadOfClock(Object[] values, Instant clock, Duration maxSkew) {
    Instant t = timeOf(values);
    return t == null ? null : aheadOfClock(time, t, clock, maxSkew);
  }

  /** A row's time as an instant (a timestamp, or bigint milliseconds); null when the table has no time or it is NULL. */
  public Instant timeOf(Object[] values) {
    Object t = time == null ? null : values[indexOf(time)];
    return t == null ? null : t instanceof Instant i ? i : Instant.ofEpochMilli(((Number) t).longValue());
  }

  /** {@link #aheadOfClock(Object[], Instant, Duration)} for one time, named {@code field} in the reason. */
  public static String aheadOfClock(String field, Instant time, Instant clock, Duration maxSkew) {
    Instant limit = clock.plus(maxSkew);
    return time.isAfter(limit) ? "'" + field + "' " + time + " is more than " + maxSkew + " ahead of the clock (" + clock
        + "): a future-dated row would evict its key's window rows" : null;
  }

  public Type typeOf(String column) {
    int i = indexOf(column);
    return i < 0 ? null : columns.get(i).type();
  }

  public List<Type> types() {
    return columns.stream().map(ColumnDef::type).toList();
  }

  public List<String> names() {
    return columns.stream().map(ColumnDef::name).toList();
  }
}
