package dev.tandem.online;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.RowCodec;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.StatePlan;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Appends rows of a table to every unit of state they belong to: for each {@link StatePlan.Store}
 * of the table, the state of the row's key. Per key it is atomic (read, merge with the core's
 * retention, compare-and-set; retried when another writer got there first), idempotent (a row
 * whose event id the key already holds changes nothing) and applies the same retention as
 * materialization ({@link StatePlan.Store#retain}): a row that retention drops at once is late.
 *
 * <p>Every valid request row counts once, by event id, towards its day's {@link PopularItems}.
 *
 * <p>A row stamped more than the maximum skew ahead of its {@link Event#arrival} is rejected
 * ({@link TableDef#aheadOfClock}): one future-dated row would evict its key's window rows.
 *
 * <p>{@link #ingestLive} is the path of live traffic: it appends the valid events to the
 * {@link EventLog} first, then writes them into the current generation, and when a
 * materialization switched and deleted that generation meanwhile it removes what it recreated
 * there and writes again into the new one. {@link #ingest} writes into a given generation and logs
 * nothing (replays, a materialization's replay of the log).
 *
 * <p>Ingestion sequences come from the table's counter in the generation (one INCRBY per call,
 * in the order of the rows given), so rows ingested later are more recent at equal times: the
 * tie rule holds online as offline. Materialization starts the counter after the offline
 * sequences.
 *
 * <pre>{@code
 * Ingestion ingestion = new Ingestion(spec, redis, keys);
 * List<Ingestion.Result> results = ingestion.ingest(generation, "bo_action",
 *     List.of(new Ingestion.Event("evt-1", values)));
 * }</pre>
 */
public final class Ingestion {
  /**
   * One row to ingest: the caller's event id (retries carry the same id), the values in the
   * table's column order, and its arrival by the clock that judges it: the server's for live
   * traffic, the message's timestamp for a stream, the data's own time for a replay.
   */
  public record Event(String id, Object[] values, Instant arrival) {
    /** An event arriving now. */
    public Event(String id, Object[] values) {
      this(id, values, Instant.now());
    }
  }

  /** The results of a live call, and the generation they were written to. */
  public record Outcome(long generation, List<Result> results) {}

  /** What happened to an event. */
  public enum Status { ACCEPTED, DUPLICATE, LATE, REJECTED }

  /**
   * The outcome of one event: accepted when at least one store kept it (or no store keys it: its
   * keys are NULL); duplicate when a store already held its id; late when every store's retention
   * dropped it; rejected with the reason.
   */
  public record Result(Status status, String reason) {}

  private static final int MAX_ATTEMPTS = 16;

  private final FeatureSpec spec;
  private final RedisState redis;
  private final RedisKeys keys;
  private final Map<String, RowCodec> codecs = new HashMap<>();
  private final PopularItems popular;
  private final EventLog log;
  private final Duration maxSkew;

  /** Ingestion with the default maximum skew ({@link TableDef#DEFAULT_MAX_SKEW}). */
  public Ingestion(FeatureSpec spec, RedisState redis, RedisKeys keys) {
    this(spec, redis, keys, TableDef.DEFAULT_MAX_SKEW);
  }

  public Ingestion(FeatureSpec spec, RedisState redis, RedisKeys keys, Duration maxSkew) {
    this.spec = spec;
    this.redis = redis;
    this.keys = keys;
    this.maxSkew = maxSkew;
    this.popular = spec.serving() == null ? null : new PopularItems(spec, redis, keys);
    this.log = new EventLog(spec, redis, keys);
    spec.tables().forEach(t -> codecs.put(t.name(), new RowCodec(t)));
  }

  /**
   * Live ingestion: the valid events go to the {@link EventLog}, then into the current
   * generation. When that generation was deleted by a materialization while this call wrote, its
   * recreated keys are removed and the events are written into the new current generation (they
   * are in the log, so that generation gets them either way).
   *
   * @throws IllegalArgumentException when the spec has no such table
   * @throws IllegalStateException when no generation is current
   */
  public Outcome ingestLive(String table, List<Event> events) {
    TableDef t = table(table);
    String[] problems = problems(t, events);
    List<Event> valid = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      if (problems[i] == null) {
        valid.add(events.get(i));
      }
    }
    log.append(table, valid);
    while (true) {
      long generation = currentGeneration();
      List<Result> results = write(generation, t, events, problems, store -> true);
      if (isLive(generation)) {
        return new Outcome(generation, results);
      }
      redis.deleteByPrefix(keys.generationPrefix(generation));
    }
  }

  /** The generation readers use. */
  public long currentGeneration() {
    byte[] pointer = redis.get(keys.currentKey());
    if (pointer == null) {
      throw new IllegalStateException("no current generation: run `tandem materialize` first");
    }
    return Long.parseLong(new String(pointer, StandardCharsets.US_ASCII));
  }

  /**
   * Whether writes into {@code generation} are kept: it is current, or its meta key (deleted
   * first when a generation is deleted) still exists.
   */
  private boolean isLive(long generation) {
    return generation == currentGeneration() || redis.get(keys.metaKey(generation)) != null;
  }

  private TableDef table(String table) {
    TableDef t = spec.table(table);
    if (t == null) {
      throw new IllegalArgumentException("unknown table '" + table + "'; the spec's tables: " + spec.tables().stream().map(TableDef::name).toList());
    }
    return t;
  }

  /** Ingests rows of {@code table} into every store of the table in generation {@code generation}. */
  public List<Result> ingest(long generation, String table, List<Event> events) {
    return ingest(generation, table, events, store -> true);
  }

  /**
   * As {@link #ingest(long, String, List)}, into the stores {@code into} accepts only.
   *
   * @throws IllegalArgumentException when the spec has no such table
   */
  public List<Result> ingest(long generation, String table, List<Event> events, Predicate<StatePlan.Store> into) {
    TableDef t = table(table);
    return write(generation, t, events, problems(t, events), into);
  }

  /** Per event, why it cannot be ingested ({@link #problem}), or null. */
  private String[] problems(TableDef t, List<Event> events) {
    String[] problems = new String[events.size()];
    for (int i = 0; i < events.size(); i++) {
      problems[i] = problem(t, events.get(i));
    }
    return problems;
  }

  /** Writes the events without a problem into the stores {@code into} accepts; the others are rejected with theirs. */
  private List<Result> write(long generation, TableDef t, List<Event> events, String[] problems,
      Predicate<StatePlan.Store> into) {
    String table = t.name();
    Result[] results = new Result[events.size()];
    List<Integer> valid = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      if (problems[i] != null) {
        results[i] = new Result(Status.REJECTED, problems[i]);
      } else {
        valid.add(i);
      }
    }
    if (valid.isEmpty()) {
      return List.of(results);
    }
    long last = redis.incrBy(keys.sequenceKey(generation, table), valid.size());
    long first = last - valid.size() + 1;

    // Per (store, key): the new rows, in ingestion order.
    Map<Unit, List<Pending>> units = new LinkedHashMap<>();
    boolean[] kept = new boolean[events.size()];
    boolean[] duplicate = new boolean[events.size()];
    boolean[] stored = new boolean[events.size()];
    List<StatePlan.Store> stores = spec.plan().state().storesOf(table);
    for (int v = 0; v < valid.size(); v++) {
      int i = valid.get(v);
      Event e = events.get(i);
      for (StatePlan.Store store : stores) {
        Object key = store.key(e.values());
        if (key != null && into.test(store)) {
          IngestedRow row = new IngestedRow(store.project(e.values()), first + v, IngestedRow.eventId(e.id()));
          units.computeIfAbsent(new Unit(store, Values.keyText(store.keyType(), key, spec.timezone())), u -> new ArrayList<>())
              .add(new Pending(i, row));
          stored[i] = true;
        }
      }
    }
    merge(generation, units, kept, duplicate);
    for (int i : valid) {
      results[i] = !stored[i] ? new Result(Status.ACCEPTED, "no state keeps it (its keys are NULL)")
          : kept[i] ? new Result(Status.ACCEPTED, null)
          : duplicate[i] ? new Result(Status.DUPLICATE, null)
          : new Result(Status.LATE, "older than every window's retention");
    }
    if (popular != null && table.equals(spec.plan().requestTable().name())) {
      popular.record(generation, valid.stream().map(events::get).toList());
    }
    return List.of(results);
  }

  private record Unit(StatePlan.Store store, String key) {}

  private record Pending(int event, IngestedRow row) {}

  /** Read, merge, compare-and-set every unit; units another writer changed meanwhile are merged again. */
  private void merge(long generation, Map<Unit, List<Pending>> units, boolean[] kept, boolean[] duplicate) {
    List<Unit> todo = new ArrayList<>(units.keySet());
    for (int attempt = 0; !todo.isEmpty(); attempt++) {
      if (attempt == MAX_ATTEMPTS) {
        throw new IllegalStateException("state of " + todo.size() + " keys kept changing under ingestion (" + todo.get(0).store() + ")");
      }
      List<byte[]> redisKeys = todo.stream().map(u -> stateKey(generation, u)).toList();
      List<byte[]> current = redis.getAll(redisKeys);
      List<RedisState.Cas> writes = new ArrayList<>();
      List<Integer> written = new ArrayList<>();
      List<List<Pending>> keptPerUnit = new ArrayList<>();
      List<List<Pending>> duplicatesPerUnit = new ArrayList<>();
      for (int u = 0; u < todo.size(); u++) {
        Unit unit = todo.get(u);
        RowCodec codec = codecs.get(unit.store().table().name());
        List<IngestedRow> rows = current.get(u) == null ? new ArrayList<>() : new ArrayList<>(codec.decode(current.get(u)));
        java.util.Set<Long> ids = new java.util.HashSet<>();
        rows.forEach(r -> ids.add(r.eventId()));
        List<Pending> added = new ArrayList<>();
        List<Pending> duplicates = new ArrayList<>();
        for (Pending p : units.get(unit)) {
          if (ids.add(p.row().eventId())) {
            rows.add(p.row());
            added.add(p);
          } else {
            duplicates.add(p);
          }
        }
        List<IngestedRow> retained = unit.store().retain(rows);
        java.util.Set<IngestedRow> survivors = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        survivors.addAll(retained);
        added.removeIf(p -> !survivors.contains(p.row()));
        keptPerUnit.add(added);
        duplicatesPerUnit.add(duplicates);
        byte[] value = retained.isEmpty() ? null : codec.encode(retained);
        if (!Arrays.equals(value, current.get(u))) { // only duplicates or late rows: the state as read stands
          writes.add(new RedisState.Cas(redisKeys.get(u), current.get(u), value));
          written.add(u);
        }
      }
      boolean[] applied = new boolean[todo.size()];
      Arrays.fill(applied, true);
      List<Boolean> results = redis.compareAndSetAll(writes);
      for (int w = 0; w < written.size(); w++) {
        applied[written.get(w)] = results.get(w);
      }
      List<Unit> retry = new ArrayList<>();
      for (int u = 0; u < todo.size(); u++) {
        if (applied[u]) {
          keptPerUnit.get(u).forEach(p -> kept[p.event()] = true);
          duplicatesPerUnit.get(u).forEach(p -> duplicate[p.event()] = true);
        } else {
          retry.add(todo.get(u));
        }
      }
      todo = retry;
    }
  }

  private byte[] stateKey(long generation, Unit unit) {
    return keys.stateKey(generation, unit.store().table().name(), unit.store().column(), unit.key());
  }

  /**
   * Why a row cannot be ingested, or {@code null}: no event id, the field count, a value of the
   * wrong type, what every engine rejects ({@link TableDef#rejection}: a NULL time, a request
   * without its key), or a time too far ahead of its arrival ({@link TableDef#aheadOfClock}).
   */
  private String problem(TableDef t, Event e) {
    if (e.id() == null || e.id().isEmpty()) {
      return "no event id";
    }
    Object[] values = e.values();
    if (values == null || values.length != t.columns().size()) {
      return "table '" + t.name() + "' has " + t.columns().size() + " columns, the row has " + (values == null ? 0 : values.length);
    }
    for (int c = 0; c < values.length; c++) {
      Type type = t.columns().get(c).type();
      if (values[c] != null && !javaType(type).isInstance(values[c])) {
        return "column '" + t.columns().get(c).name() + "': expected " + type.specName() + ", got " + values[c].getClass().getSimpleName();
      }
    }
    String rejection = t.rejection(values);
    return rejection != null ? rejection : t.aheadOfClock(values, e.arrival(), maxSkew);
  }

  private static Class<?> javaType(Type type) {
    return switch (type) {
      case STRING -> String.class;
      case INT -> Integer.class;
      case BIGINT -> Long.class;
      case FLOAT -> Float.class;
      case DOUBLE -> Double.class;
      case TIMESTAMP -> Instant.class;
      case BOOL -> Boolean.class;
      case NULL -> Void.class;
    };
  }
}
