package dev.tandem.pipelines;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.online.JsonValues;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.eval.StatePlan;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The consistency check's replay through Kafka: rows become messages of their table's topic (key =
 * the event id, value = the row as JSON, timestamp = the row's time), a {@link StreamJob} applies
 * them into the check's generation, and {@link #awaitApplied} waits until the job applied the
 * messages a request depends on (its offsets in Redis). A request reads only its own state keys, and
 * the messages sent after it are not sent yet, so waiting only for the sent rows that touch those
 * keys gives the same view as waiting for all of them: the replay stays exact while the job works
 * ahead. A share of the messages can be sent twice (at-least-once delivery), and the job can be
 * stopped and started again mid-way.
 */
final class KafkaReplay implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration STATE_CHECK_INTERVAL = Duration.ofMillis(200);
  /**
   * The replay's messages carry the data's own times, often years old; under a broker's default
   * time retention (7 days, judged by the newest timestamp of a segment) they would be deleted
   * before the job read them: 30 s into a 100 k replay, the broker deleted 24,281 unread messages.
   */
  private static final Map<String, String> KEEP_EVERY_MESSAGE = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");

  private final FeatureSpec spec;
  private final RedisState redis;
  private final RedisKeys keys;
  private final StreamJob job;
  private final PipelineOptions options;
  private final KafkaProducer<String, String> producer;
  private final double resend;
  private final Random random = new Random(42);
  private final PrintWriter log;
  private final String group;
  private final Set<StatePlan.Store> unchanged;
  /** Per state key the last message sent that writes it, until known applied. */
  private final Map<StatePlan.Ref, Future<RecordMetadata>> unapplied = new HashMap<>();
  /** Per topic the last message sent (one partition each: the highest offset). */
  private final Map<String, Future<RecordMetadata>> lastSent = new HashMap<>();
  private Map<String, String> applied = Map.of();
  private PipelineResult running;
  private long messages;
  private long resent;

  /** @param unchanged stores whose state the replay's messages cannot change (loaded whole before it) */
  KafkaReplay(FeatureSpec spec, RedisState redis, String redisUri, String kafka, long generation, double resend,
      Set<StatePlan.Store> unchanged, PipelineOptions options, PrintWriter log) throws ExecutionException, InterruptedException {
    this.spec = spec;
    this.unchanged = Set.copyOf(unchanged);
    this.redis = redis;
    this.keys = MaterializeJob.keys(spec);
    this.options = options;
    this.resend = resend;
    this.log = log;
    String prefix = "tandem-check-" + generation + ".";
    this.group = "tandem-check-" + generation;
    List<String> tables = StreamJob.tableNames(spec);
    Properties admin = new Properties();
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
    try (Admin a = Admin.create(admin)) {
      List<NewTopic> topics = new ArrayList<>();
      // One partition per table: its messages are applied in the order sent, so rows at equal times keep their tie order.
      tables.forEach(t -> topics.add(new NewTopic(prefix + t, 1, (short) 1).configs(KEEP_EVERY_MESSAGE)));
      topics.add(new NewTopic(prefix + "dead-letters", 1, (short) 1).configs(KEEP_EVERY_MESSAGE));
      a.createTopics(topics).all().get();
    }
    this.job = new StreamJob(spec, redisUri, kafka, prefix, group, prefix + "dead-letters", tables, generation,
        dev.tandem.spec.def.TableDef.DEFAULT_MAX_SKEW);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    start();
  }

  private void start() {
    running = job.pipeline(options).run();
  }

  /** Stops the stream job and starts it again: it goes on from the offsets it committed (and redelivers the rest). */
  void restart() {
    try {
      running.cancel();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("could not stop the stream job", e);
    }
    log.println("check-consistency: stream job stopped; starting it again");
    start();
  }

  /** Sends rows of {@code table} as messages, in order; some twice when a resend share is set. */
  void send(TableDef table, List<Object[]> rows, List<String> ids, List<Long> times) {
    String topic = job.topic(table.name());
    List<StatePlan.Store> stores = spec.plan().state().storesOf(table.name()).stream()
        .filter(s -> !unchanged.contains(s)).toList();
    for (int i = 0; i < rows.size(); i++) {
      String value;
      try {
        value = JSON.writeValueAsString(JsonValues.toJson(table, rows.get(i)));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a row of strings, numbers and booleans is JSON", e);
      }
      Long timestamp = times.get(i) >= 0 ? times.get(i) : null; // Kafka takes no time before 1970
      int copies = resend > 0 && random.nextDouble() < resend ? 2 : 1;
      for (int c = 0; c < copies; c++) {
        Future<RecordMetadata> f = producer.send(new ProducerRecord<>(topic, null, timestamp, ids.get(i), value));
        lastSent.put(topic, f);
        for (StatePlan.Store store : stores) {
          unapplied.put(new StatePlan.Ref(store, store.key(rows.get(i))), f);
        }
        messages++;
      }
      resent += copies - 1;
    }
  }

  /** Waits until the stream job applied every message sent so far. */
  void awaitApplied() {
    Map<String, Long> needed = new HashMap<>();
    lastSent.values().forEach(f -> needed.merge(partition(metadata(f)), metadata(f).offset(), Math::max));
    waitFor(needed);
    unapplied.clear();
  }

  /** Waits until the stream job applied every message sent so far that writes one of these state keys. */
  void awaitApplied(List<StatePlan.Ref> reads) {
    Map<String, Long> needed = new HashMap<>();
    for (StatePlan.Ref ref : reads) {
      Future<RecordMetadata> f = unapplied.get(ref);
      if (f != null) {
        needed.merge(partition(metadata(f)), metadata(f).offset(), Math::max);
      }
    }
    if (needed.isEmpty()) {
      return;
    }
    waitFor(needed);
    unapplied.values().removeIf(f -> f.isDone() && isApplied(metadata(f)));
  }

  private boolean isApplied(RecordMetadata m) {
    return isApplied(partition(m), m.offset());
  }

  /** Whether the job applied {@code offset} of {@code partition}, by the offsets last read from Redis. */
  private boolean isApplied(String partition, long offset) {
    return Long.parseLong(applied.getOrDefault(partition, "-1")) >= offset;
  }

  private void waitFor(Map<String, Long> needed) {
    if (needed.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    // Asking a runner for the job's state can cost milliseconds (Flink: 4–10 ms, a call to its dispatcher), so at most
    // every 200 ms, on a poll that saw no progress: asked at every poll, it was a third of a Flink replay's time.
    long nextStateCheck = System.nanoTime() + STATE_CHECK_INTERVAL.toNanos();
    Map<String, String> before = Map.of();
    while (true) {
      applied = redis.hash(keys.streamOffsetsKey(group));
      if (needed.entrySet().stream().allMatch(e -> isApplied(e.getKey(), e.getValue()))) {
        return;
      }
      long now = System.nanoTime();
      if (!applied.equals(before)) {
        before = applied;
        deadline = now + Duration.ofSeconds(30).toNanos();
      } else if (now > nextStateCheck) {
        if (running.getState().isTerminal()) {
          throw new IllegalStateException("the stream job stopped: " + running.getState());
        }
        if (now > deadline) {
          throw new IllegalStateException("the stream job applied nothing for 30 s; waiting for " + needed + ", applied " + applied);
        }
        nextStateCheck = now + STATE_CHECK_INTERVAL.toNanos();
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private static String partition(RecordMetadata m) {
    return m.topic() + "/" + m.partition();
  }

  private RecordMetadata metadata(Future<RecordMetadata> sent) {
    try {
      if (!sent.isDone()) {
        producer.flush();
      }
      return sent.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("Kafka refused a message: " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  long messages() {
    return messages;
  }

  long resent() {
    return resent;
  }

  @Override
  public void close() {
    producer.close();
    try {
      running.cancel();
    } catch (java.io.IOException e) {
      log.println("check-consistency: could not stop the stream job: " + e.getMessage());
    }
  }
}
