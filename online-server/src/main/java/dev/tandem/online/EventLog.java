package dev.tandem.online;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.RowCodec;
import dev.tandem.spec.eval.IngestedRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable log of every event accepted online ({@code POST /events} and {@code tandem stream}):
 * one Redis stream per table in the spec version's namespace, shared by every generation. Live
 * ingestion appends an event here before it touches any state, so an acknowledged event is always
 * in the log; a materialization replays the events after its cut into the new generation before
 * and after it switches {@code current}, and trims the entries no live generation needs.
 *
 * <p>An entry: {@code id} (the caller's event id), {@code arrival} (epoch milliseconds by the clock
 * that judged it) and {@code row} (the values, as a {@link RowCodec} blob in Base64).
 *
 * <pre>{@code
 * EventLog log = new EventLog(spec, redis, keys);
 * log.append("bo_action", events);                          // before the state write
 * List<EventLog.Entry> next = log.read("bo_action", "0-0", 10_000);
 * }</pre>
 */
public final class EventLog {
  /** A logged event and its stream id (the position to read after). */
  public record Entry(String streamId, Ingestion.Event event) {}

  /** Where reading starts: before every entry. */
  public static final String START = "0-0";

  private final FeatureSpec spec;
  private final RedisState redis;
  private final RedisKeys keys;
  private final Map<String, RowCodec> codecs = new HashMap<>();

  public EventLog(FeatureSpec spec, RedisState redis, RedisKeys keys) {
    this.spec = spec;
    this.redis = redis;
    this.keys = keys;
    spec.tables().forEach(t -> codecs.put(t.name(), new RowCodec(t)));
  }

  /** Appends events of {@code table}, in order. */
  public void append(String table, List<Ingestion.Event> events) {
    if (events.isEmpty()) {
      return;
    }
    RowCodec codec = codecs.get(table);
    List<Map<String, String>> entries = new ArrayList<>(events.size());
    for (Ingestion.Event e : events) {
      byte[] row = codec.encode(List.of(new IngestedRow(e.values(), 0, IngestedRow.eventId(e.id()))));
      entries.add(Map.of("id", e.id(), "arrival", Long.toString(e.arrival().toEpochMilli()),
          "row", Base64.getEncoder().encodeToString(row)));
    }
    redis.appendLog(keys.logKey(table), entries);
  }

  /** Up to {@code count} events of {@code table} logged after stream id {@code after}, oldest first. */
  public List<Entry> read(String table, String after, int count) {
    RowCodec codec = codecs.get(table);
    List<Entry> out = new ArrayList<>();
    for (RedisState.LogEntry e : redis.readLog(keys.logKey(table), after, count)) {
      Object[] values = codec.decode(Base64.getDecoder().decode(e.fields().get("row"))).get(0).values();
      Instant arrival = Instant.ofEpochMilli(Long.parseLong(e.fields().get("arrival")));
      out.add(new Entry(e.id(), new Ingestion.Event(e.fields().get("id"), values, arrival)));
    }
    return out;
  }

  /**
   * Removes the entries of every table that arrived before {@code arrivedBefore}. A materialization
   * trims at its cut less the maximum skew: such an event's time is at or before the cut, so the
   * files own it and no later generation replays it.
   */
  public long trim(Instant arrivedBefore) {
    long removed = 0;
    for (TableDef t : spec.tables()) {
      removed += redis.trimLog(keys.logKey(t.name()), arrivedBefore.toEpochMilli() + "-0");
    }
    return removed;
  }
}
