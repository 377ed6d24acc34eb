package dev.tandem.online;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ingests the {@link EventLog}'s events after a cut into one generation, in log order, each table
 * from where the previous {@link #catchUp} stopped: a materialization calls it before and after it
 * switches {@code current}. Events at or before the cut are the files' (counted, not ingested).
 * Ingestion is idempotent by event id, so an event also written by its live writer, or replayed
 * twice, changes nothing the second time.
 *
 * <pre>{@code
 * LogReplay replay = new LogReplay(spec, redis, keys, generation, cut);
 * replay.catchUp();            // before the switch
 * // ... switch current ...
 * replay.catchUp();            // what was logged meanwhile
 * }</pre>
 */
public final class LogReplay {
  private static final int BATCH = 10_000;

  private final FeatureSpec spec;
  private final EventLog log;
  private final Ingestion ingestion;
  private final long generation;
  private final Instant cut;
  private final Map<String, String> position = new HashMap<>();
  private long applied;
  private long ownedByFiles;

  public LogReplay(FeatureSpec spec, RedisState redis, RedisKeys keys, long generation, Instant cut) {
    this.spec = spec;
    this.log = new EventLog(spec, redis, keys);
    this.ingestion = new Ingestion(spec, redis, keys);
    this.generation = generation;
    this.cut = cut;
  }

  /** Ingests every event logged since the last call (all of them the first time). */
  public void catchUp() {
    for (TableDef table : spec.tables()) {
      String after = position.getOrDefault(table.name(), EventLog.START);
      while (true) {
        List<EventLog.Entry> entries = log.read(table.name(), after, BATCH);
        if (entries.isEmpty()) {
          break;
        }
        List<Ingestion.Event> events = new ArrayList<>();
        for (EventLog.Entry e : entries) {
          if (afterCut(table, e.event().values())) {
            events.add(e.event());
          } else {
            ownedByFiles++;
          }
        }
        ingestion.ingest(generation, table.name(), events);
        applied += events.size();
        after = entries.get(entries.size() - 1).streamId();
      }
      position.put(table.name(), after);
    }
  }

  /** Logged events ingested so far. */
  public long applied() {
    return applied;
  }

  /** Logged events left to the files so far (their time is at or before the cut). */
  public long ownedByFiles() {
    return ownedByFiles;
  }

  private boolean afterCut(TableDef table, Object[] values) {
    if (table.time() == null) {
      return true; // a table without time has no cut: the latest write of each key stands
    }
    return table.timeOf(values).isAfter(cut); // logged rows have a time: ingestion rejects a NULL one
  }
}
