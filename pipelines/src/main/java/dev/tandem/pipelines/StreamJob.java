package dev.tandem.pipelines;

import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code tandem stream}: a Beam streaming job that keeps the online state current from Kafka. One
 * topic per table ({@code PREFIX + table}); per topic a {@link KafkaIO} read (read committed,
 * offsets committed when a bundle is finalized, no auto-commit) into {@link IngestMessages};
 * bad messages, with their reason, to the dead-letter topic. Delivery is at least once and every
 * write is idempotent by event id, so a redelivered or replayed message changes nothing.
 *
 * <pre>{@code
 * StreamJob job = new StreamJob(spec, "redis://127.0.0.1:6379", "127.0.0.1:9092", "jd.", "tandem-jd", "jd.dead-letters",
 *     List.of("bo_action", "bo_comment"), null, TableDef.DEFAULT_MAX_SKEW);
 * PipelineResult running = job.pipeline(options).run();
 * }</pre>
 */
final class StreamJob {
  static final String METRICS = "tandem.stream";

  private final FeatureSpec spec;
  private final String redisUri;
  private final String kafka;
  private final String topicPrefix;
  private final String group;
  private final String deadLetterTopic;
  private final List<String> tables;
  private final Long generation;
  private final Duration maxSkew;

  /**
   * @param tables the tables to read (each from {@code topicPrefix + table})
   * @param generation null: live (the current generation, events logged); else that generation
   */
  StreamJob(FeatureSpec spec, String redisUri, String kafka, String topicPrefix, String group, String deadLetterTopic,
      List<String> tables, Long generation, Duration maxSkew) {
    this.spec = spec;
    this.redisUri = redisUri;
    this.kafka = kafka;
    this.topicPrefix = topicPrefix;
    this.group = group;
    this.deadLetterTopic = deadLetterTopic;
    this.tables = List.copyOf(tables);
    this.generation = generation;
    this.maxSkew = maxSkew;
  }

  String topic(String table) {
    return topicPrefix + table;
  }

  Pipeline pipeline(PipelineOptions options) {
    Pipeline p = Pipeline.create(options);
    List<PCollection<KV<String, String>>> deadLetters = new ArrayList<>();
    for (String table : tables) {
      deadLetters.add(p
          .apply("Read " + topic(table), KafkaIO.<String, String>read()
              .withBootstrapServers(kafka)
              .withTopic(topic(table))
              .withKeyDeserializer(StringDeserializer.class)
              .withValueDeserializer(StringDeserializer.class)
              .withReadCommitted()
              .commitOffsetsInFinalize()
              .withConsumerConfigUpdates(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                  ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                  ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5)))
          .apply("Ingest " + table, ParDo.of(new IngestMessages(spec, table, redisUri, group, generation, maxSkew))));
    }
    PCollectionList.of(deadLetters).apply("All dead letters", Flatten.pCollections())
        .apply("Write dead letters", KafkaIO.<String, String>write()
            .withBootstrapServers(kafka)
            .withTopic(deadLetterTopic)
            .withKeySerializer(StringSerializer.class)
            .withValueSerializer(StringSerializer.class));
    return p;
  }

  /** One progress line: the counters per table, and per partition the messages not applied yet. */
  String progress(PipelineResult result, RedisState redis, RedisKeys keys) {
    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.inNamespace(METRICS)).build()).getCounters()) {
      counters.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    List<String> parts = new ArrayList<>();
    for (String table : tables) {
      parts.add(String.format(Locale.ROOT, "%s: %,d accepted, %,d duplicate, %,d late, %,d rejected, %,d dead letters", table,
          counters.getOrDefault("accepted: " + table, 0L), counters.getOrDefault("duplicate: " + table, 0L),
          counters.getOrDefault("late: " + table, 0L), counters.getOrDefault("rejected: " + table, 0L),
          counters.getOrDefault("dead letters: " + table, 0L)));
    }
    return "stream: " + String.join("; ", parts) + "; lag " + lag(redis, keys);
  }

  /** Per partition, the messages after the last applied offset ({@code topic/partition=N}). */
  Map<String, Long> lag(RedisState redis, RedisKeys keys) {
    Map<String, String> applied = redis.hash(keys.streamOffsetsKey(group));
    Map<String, Long> lag = new TreeMap<>();
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
    try (Admin admin = Admin.create(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String table : tables) {
        admin.describeTopics(List.of(topic(table))).allTopicNames().get().get(topic(table)).partitions()
            .forEach(p -> partitions.add(new TopicPartition(topic(table), p.partition())));
      }
      Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
      partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
      admin.listOffsets(latest).all().get().forEach((tp, info) -> {
        String name = tp.topic() + "/" + tp.partition();
        long done = Long.parseLong(applied.getOrDefault(name, "-1")) + 1;
        lag.put(name, Math.max(0, info.offset() - done));
      });
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("cannot read the topics' offsets from " + kafka + ": " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return lag;
  }

  /** Runs until the job ends (or the JVM is stopped), printing progress every {@code seconds}. */
  int run(PipelineOptions options, PrintWriter out, int seconds) throws InterruptedException {
    PipelineResult result = pipeline(options).run();
    try (RedisState redis = RedisState.connect(redisUri)) {
      RedisKeys keys = MaterializeJob.keys(spec);
      while (!result.getState().isTerminal()) {
        result.waitUntilFinish(org.joda.time.Duration.standardSeconds(seconds));
        out.println(progress(result, redis, keys));
      }
    }
    out.println("stream: the job ended: " + result.getState());
    return result.getState() == PipelineResult.State.DONE ? TandemCli.OK : TandemCli.FAILED;
  }

  static List<String> tableNames(FeatureSpec spec) {
    return spec.tables().stream().map(TableDef::name).toList();
  }
}
