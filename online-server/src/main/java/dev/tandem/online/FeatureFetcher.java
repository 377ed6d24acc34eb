package dev.tandem.online;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.RowCodec;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.StatePlan;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Computes features of live requests from state in Redis: every unit of state the requests read
 * ({@link StatePlan#refs}) comes back in one round trip of whole-key reads, each blob is decoded
 * once (a user's history shared by 100 candidates is decoded once), and each request goes
 * through the core's one evaluate entry. Nothing here computes a feature.
 *
 * <pre>{@code
 * FeatureFetcher fetcher = new FeatureFetcher(spec, redis, keys);
 * List<Object[]> rows = fetcher.features(requestRows);     // the generation `current` points to
 * }</pre>
 */
public final class FeatureFetcher {
  /**
   * The stored rows of the units a batch of requests reads, decoded: what the evaluator looks up.
   * {@code plan} is the spec's state plan (what {@link #with} appends by).
   */
  public record Snapshot(long generation, Map<StatePlan.Ref, List<IngestedRow>> state, int keys, long bytes,
      StatePlan plan) implements StatePlan.Lookup {
    @Override
    public List<IngestedRow> rows(StatePlan.Store store, Object key) {
      return state.getOrDefault(new StatePlan.Ref(store, key), List.of());
    }

    /**
     * This snapshot with {@code rows} of {@code table} (values in the table's column order)
     * appended exactly as ingestion would append them, without writing anything: each row goes to
     * every store of its table under its key (NULL keys nowhere), after every stored row of that
     * key in ingestion order (in the order given) and before any live request (whose sequence is
     * {@link Long#MAX_VALUE}); then each changed key keeps what {@link StatePlan.Store#retain}
     * keeps, so a row retention drops at once changes nothing, as a late event does. Rows must
     * have a time (ingestion rejects those without one). Request-time values ride on this.
     */
    public Snapshot with(String table, List<Object[]> rows) {
      if (rows.isEmpty()) {
        return this;
      }
      Map<StatePlan.Ref, List<IngestedRow>> merged = new HashMap<>(state);
      for (StatePlan.Store store : plan.storesOf(table)) {
        Map<StatePlan.Ref, List<Object[]>> added = new LinkedHashMap<>();
        for (Object[] row : rows) {
          Object key = store.key(row);
          if (key != null) {
            added.computeIfAbsent(new StatePlan.Ref(store, key), r -> new ArrayList<>()).add(store.project(row));
          }
        }
        added.forEach((ref, fresh) -> {
          List<IngestedRow> current = merged.getOrDefault(ref, List.of());
          long next = current.stream().mapToLong(IngestedRow::sequence).max().orElse(0) + 1;
          List<IngestedRow> all = new ArrayList<>(current);
          for (Object[] values : fresh) {
            all.add(new IngestedRow(values, next++));
          }
          merged.put(ref, List.copyOf(store.retain(all)));
        });
      }
      return new Snapshot(generation, Map.copyOf(merged), keys, bytes, plan);
    }
  }

  private final FeatureSpec spec;
  private final FeaturePlan plan;
  private final RedisState redis;
  private final RedisKeys keys;
  private final Map<String, RowCodec> codecs = new HashMap<>();
  private volatile long generation = -1;

  public FeatureFetcher(FeatureSpec spec, RedisState redis, RedisKeys keys) {
    this.spec = spec;
    this.plan = spec.plan();
    this.redis = redis;
    this.keys = keys;
    for (TableDef t : spec.tables()) {
      codecs.put(t.name(), new RowCodec(t));
    }
  }

  /** The feature rows of live requests (each the most recent row at its instant), from the current generation. */
  public List<Object[]> features(List<Object[]> requestRows) {
    return evaluate(requestRows, fetch(requestRows));
  }

  /** The feature rows of requests from a snapshot of their state. */
  public List<Object[]> evaluate(List<Object[]> requestRows, Snapshot snapshot) {
    return plan.evaluate(requestRows, Long.MAX_VALUE, snapshot);
  }

  /**
   * The state of {@code requestRows} in the generation {@code current} points to, in one round
   * trip: the pointer is read with the state keys of the generation last seen, and only when it
   * moved (a materialization switched it) are the keys read again from the new generation.
   *
   * @throws IllegalStateException when the namespace has no current generation (nothing materialized)
   */
  public Snapshot fetch(List<Object[]> requestRows) {
    return fetch(requestRows, false);
  }

  /**
   * As {@link #fetch(List)} for requests whose ids (the serving section's id column) the server
   * just made up: state kept by that id is not read, as it holds nothing for a new one.
   */
  public Snapshot fetchNewRequests(List<Object[]> requestRows) {
    return fetch(requestRows, true);
  }

  private Snapshot fetch(List<Object[]> requestRows, boolean newKeys) {
    List<StatePlan.Ref> refs = refs(requestRows, newKeys);
    if (generation < 0) {
      generation = current(redis.get(keys.currentKey()));
    }
    for (int attempt = 0; attempt < 3; attempt++) {
      long seen = generation;
      List<byte[]> request = new ArrayList<>(refs.size() + 1);
      request.add(keys.currentKey());
      refs.forEach(r -> request.add(stateKey(seen, r)));
      List<byte[]> values = redis.getAll(request);
      long current = current(values.get(0));
      if (current == seen) {
        return decode(seen, refs, values.subList(1, values.size()));
      }
      generation = current;
    }
    throw new IllegalStateException("the current generation kept changing while reading state");
  }

  private long current(byte[] pointer) {
    if (pointer == null) {
      throw new IllegalStateException("no state in Redis for spec " + spec.name() + " version " + spec.version()
          + " (run `tandem materialize` first)");
    }
    return Long.parseLong(new String(pointer, StandardCharsets.US_ASCII));
  }

  /** The state of {@code requestRows} in a given generation (a replay's own), in one round trip. */
  public Snapshot fetch(long generation, List<Object[]> requestRows) {
    List<StatePlan.Ref> refs = refs(requestRows, false);
    return decode(generation, refs, redis.getAll(refs.stream().map(r -> stateKey(generation, r)).toList()));
  }

  /**
   * The Redis keys the requests read in {@code generation}: what one fetch asks for ({@code
   * newRequests}: one of requests with made-up ids, see {@link #fetchNewRequests}).
   */
  public List<byte[]> stateKeys(long generation, List<Object[]> requestRows, boolean newRequests) {
    return refs(requestRows, newRequests).stream().map(r -> stateKey(generation, r)).toList();
  }

  /** @param newRequests whether the rows' ids were just made up (see {@link #fetchNewRequests}) */
  private List<StatePlan.Ref> refs(List<Object[]> requestRows, boolean newRequests) {
    return newRequests ? refs(requestRows, row -> plan.state().refs(row, spec.serving().idColumn()))
        : refs(requestRows, plan.state()::refs);
  }

  private static List<StatePlan.Ref> refs(List<Object[]> requestRows, Function<Object[], List<StatePlan.Ref>> refsOfRow) {
    Set<StatePlan.Ref> refs = new LinkedHashSet<>();
    for (Object[] row : requestRows) {
      refs.addAll(refsOfRow.apply(row));
    }
    return List.copyOf(refs);
  }

  private Snapshot decode(long generation, List<StatePlan.Ref> refs, List<byte[]> values) {
    Map<StatePlan.Ref, List<IngestedRow>> state = new HashMap<>();
    long bytes = 0;
    for (int i = 0; i < refs.size(); i++) {
      byte[] value = values.get(i);
      if (value != null) {
        StatePlan.Ref ref = refs.get(i);
        state.put(ref, codecs.get(ref.store().table().name()).decode(value));
        bytes += value.length;
      }
    }
    return new Snapshot(generation, state, refs.size(), bytes, plan.state());
  }

  private byte[] stateKey(long generation, StatePlan.Ref ref) {
    StatePlan.Store store = ref.store();
    return keys.stateKey(generation, store.table().name(), store.column(), Values.keyText(store.keyType(), ref.key(), spec.timezone()));
  }
}
