package dev.tandem.pipelines;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.online.HttpError;
import dev.tandem.online.Ingestion;
import dev.tandem.online.JsonValues;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecException;
import dev.tandem.spec.def.TableDef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;

/**
 * Applies the messages of one table's topic through {@link Ingestion}, in bundles: message key =
 * event id, value = the row as a JSON object (the shape of a row of {@code POST /events/TABLE}),
 * arrival = the message's timestamp (so a job reading old offsets judges old rows by their own
 * time). Live: the events are logged and written into the current generation
 * ({@link Ingestion#ingestLive}); with a fixed generation (a consistency check's replay) they go
 * there. A redelivered message is a duplicate and changes nothing.
 *
 * <p>Bad messages (no key, not JSON, a wrong column or type, rejected by ingestion: a NULL time, a
 * time too far ahead) go to the output with the reason, as JSON, for the dead-letter topic; they
 * are counted, never dropped silently. After each bundle the last applied offset of every
 * partition is raised in {@code tandem:SPEC:VERSION:stream:GROUP} (the lag, and what a caller
 * waits for).
 */
final class IngestMessages extends DoFn<KafkaRecord<String, String>, KV<String, String>> {
  /** Events per ingestion call. */
  static final int BATCH = 1_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String specText;
  private final String specFile;
  private final String table;
  private final String redisUri;
  private final String group;
  private final Long generation;
  private final long maxSkewMillis;
  private final Map<String, Counter> counters = new HashMap<>();

  private transient TableDef tableDef;
  private transient RedisState redis;
  private transient RedisKeys keys;
  private transient Ingestion ingestion;
  private transient List<KafkaRecord<String, String>> pending;
  private transient List<Ingestion.Event> events;
  private transient Map<String, Long> offsets;

  /** {@code generation} null: live (the current generation, logged). */
  IngestMessages(FeatureSpec spec, String table, String redisUri, String group, Long generation, Duration maxSkew) {
    this.specText = spec.text();
    this.specFile = spec.file();
    this.table = table;
    this.redisUri = redisUri;
    this.group = group;
    this.generation = generation;
    this.maxSkewMillis = maxSkew.toMillis();
    for (String kind : List.of("accepted", "duplicate", "late", "rejected", "dead letters")) {
      counters.put(kind, Metrics.counter(StreamJob.METRICS, kind + ": " + table));
    }
  }

  @Setup
  public void setup() {
    FeatureSpec spec;
    try {
      spec = FeatureSpec.parse(specText, specFile);
    } catch (SpecException e) {
      throw new IllegalStateException("the spec stopped compiling on a worker", e);
    }
    tableDef = spec.table(table);
    redis = RedisState.connect(redisUri);
    keys = MaterializeJob.keys(spec);
    ingestion = new Ingestion(spec, redis, keys, Duration.ofMillis(maxSkewMillis));
  }

  @StartBundle
  public void startBundle() {
    pending = new ArrayList<>();
    events = new ArrayList<>();
    offsets = new LinkedHashMap<>();
  }

  @ProcessElement
  public void process(@Element KafkaRecord<String, String> record, OutputReceiver<KV<String, String>> deadLetters) {
    offsets.merge(record.getTopic() + "/" + record.getPartition(), record.getOffset(), Math::max);
    String problem;
    try {
      Ingestion.Event event = event(record);
      pending.add(record);
      events.add(event);
      if (events.size() >= BATCH) {
        flush((id, letter) -> deadLetters.output(KV.of(id, letter)));
      }
      return;
    } catch (HttpError e) {
      problem = e.field() == null ? e.getMessage() : e.field() + ": " + e.getMessage();
    } catch (JsonProcessingException | ClassCastException e) {
      problem = "the value is not a JSON object: " + e.getMessage().lines().findFirst().orElse("");
    }
    counters.get("dead letters").inc();
    deadLetters.output(KV.of(String.valueOf(record.getKV().getKey()), letter(record, problem)));
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    flush((id, letter) -> context.output(KV.of(id, letter), GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE));
    redis.raise(keys.streamOffsetsKey(group), offsets);
  }

  @Teardown
  public void teardown() {
    if (redis != null) {
      redis.close();
    }
  }

  private interface DeadLetters {
    void output(String id, String letter);
  }

  private void flush(DeadLetters deadLetters) {
    if (events.isEmpty()) {
      return;
    }
    List<Ingestion.Result> results = generation == null ? ingestion.ingestLive(table, events).results()
        : ingestion.ingest(generation, table, events);
    for (int i = 0; i < results.size(); i++) {
      Ingestion.Result r = results.get(i);
      counters.get(r.status().name().toLowerCase(java.util.Locale.ROOT)).inc();
      if (r.status() == Ingestion.Status.REJECTED) {
        counters.get("dead letters").inc();
        deadLetters.output(events.get(i).id(), letter(pending.get(i), r.reason()));
      }
    }
    pending = new ArrayList<>();
    events = new ArrayList<>();
  }

  @SuppressWarnings("unchecked")
  private Ingestion.Event event(KafkaRecord<String, String> record) throws JsonProcessingException {
    String id = record.getKV().getKey();
    if (id == null || id.isEmpty()) {
      throw HttpError.badRequest("no event id: the message key must be the event's id", "key");
    }
    String value = record.getKV().getValue();
    if (value == null) {
      throw HttpError.badRequest("no value: the message value must be the row as a JSON object", "value");
    }
    Map<String, Object> json = (Map<String, Object>) JSON.readValue(value, Map.class);
    if (json == null) {
      throw HttpError.badRequest("the value is JSON null, not a row", "value");
    }
    return new Ingestion.Event(id, JsonValues.row(tableDef, json, "value", null), Instant.ofEpochMilli(record.getTimestamp()));
  }

  private String letter(KafkaRecord<String, String> record, String reason) {
    Map<String, Object> letter = new LinkedHashMap<>();
    letter.put("table", table);
    letter.put("topic", record.getTopic());
    letter.put("partition", record.getPartition());
    letter.put("offset", record.getOffset());
    letter.put("key", record.getKV().getKey());
    letter.put("value", record.getKV().getValue());
    letter.put("reason", reason);
    try {
      return JSON.writeValueAsString(letter);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings and numbers is JSON", e);
    }
  }
}
