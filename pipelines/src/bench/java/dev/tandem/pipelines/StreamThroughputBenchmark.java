package dev.tandem.pipelines;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.beam.TandemFiles;
import dev.tandem.kafka.LocalKafka;
import dev.tandem.online.Ingestion;
import dev.tandem.online.JsonValues;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Events per second of {@code tandem stream}: the rows of DIR's tables (in time order, at most N) are
 * first sent to one-partition topics of a local Kafka, then the stream job (live: logged, into
 * the current generation) is started and timed until its lag is 0. The floor in the same run:
 * the same rows through live ingestion directly, in batches of 1,000, into another namespace.
 *
 * <pre>
 * mvn -B -ntp -q -pl pipelines -Pbench test-compile exec:exec@stream -Dbench.args="../../shared/jd-sample direct 50000"
 * </pre>
 */
public final class StreamThroughputBenchmark {
  public static void main(String[] args) throws Exception {
    FeatureSpec spec = FeatureSpec.load(Path.of("../feature-spec/specs/jd.yaml"));
    String data = args[0];
    String runner = args[1];
    int limit = Integer.parseInt(args[2]);
    record Row(TableDef table, Object[] values, long sequence, long time) {}
    List<Row> rows = new ArrayList<>();
    for (TableDef t : spec.tables()) {
      int time = t.indexOf(t.time());
      TandemFiles.readTable(spec, data, t, new TandemFiles.TableRows() {
        @Override
        public void row(Object[] v, long sequence) {
          if (v[time] != null && t.rejection(v) == null) {
            rows.add(new Row(t, v, sequence, ((Instant) v[time]).toEpochMilli()));
          }
        }

        @Override
        public void rejected(String reason) {}
      });
    }
    rows.sort(Comparator.comparingLong(Row::time).thenComparing(r -> r.table().name()).thenComparingLong(Row::sequence));
    List<Row> sent = rows.subList(0, Math.min(limit, rows.size()));
    Path work = Files.createTempDirectory("tandem-bench");
    ObjectMapper json = new ObjectMapper();
    try (LocalRedis redis = LocalRedis.start(work); LocalKafka kafka = LocalKafka.start();
        RedisState state = RedisState.connect(redis.uri())) {
      Map<String, Integer> topics = new HashMap<>();
      spec.tables().forEach(t -> topics.put("bench." + t.name(), 1));
      topics.put("bench.dead-letters", 1);
      kafka.createTopics(topics);
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
      long started = System.nanoTime();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
        for (Row r : sent) {
          producer.send(new ProducerRecord<>("bench." + r.table().name(), null, r.time(), r.table().name() + "#" + r.sequence(),
              json.writeValueAsString(JsonValues.toJson(r.table(), r.values()))));
        }
      }
      double produce = (System.nanoTime() - started) / 1e9;

      RedisKeys keys = MaterializeJob.keys(spec);
      state.set(keys.currentKey(), "1".getBytes());
      StreamJob job = new StreamJob(spec, redis.uri(), kafka.bootstrapServers(), "bench.", "bench", "bench.dead-letters",
          StreamJob.tableNames(spec), null, TableDef.DEFAULT_MAX_SKEW);
      started = System.nanoTime();
      PipelineResult running = job.pipeline(Runners.options(runner, List.of(), new PrintWriter(System.err, true))).run();
      while (job.lag(state, keys).values().stream().anyMatch(n -> n > 0)) {
        Thread.sleep(100);
      }
      double stream = (System.nanoTime() - started) / 1e9;
      System.out.println(job.progress(running, state, keys));
      running.cancel();

      RedisKeys floorKeys = new RedisKeys("floor", "1");
      state.set(floorKeys.currentKey(), "1".getBytes());
      Ingestion ingestion = new Ingestion(spec, state, floorKeys);
      started = System.nanoTime();
      for (int from = 0; from < sent.size(); ) {
        TableDef table = sent.get(from).table();
        int to = from;
        while (to < sent.size() && to - from < 1000 && sent.get(to).table() == table) {
          to++;
        }
        ingestion.ingestLive(table.name(), sent.subList(from, to).stream()
            .map(r -> new Ingestion.Event(r.table().name() + "#" + r.sequence(), r.values(), Instant.ofEpochMilli(r.time()))).toList());
        from = to;
      }
      double floor = (System.nanoTime() - started) / 1e9;
      System.out.printf(java.util.Locale.ROOT, "%,d events: sent to Kafka in %.1f s; %s runner applied them in %.1f s = %,.0f events/s; "
          + "the floor (live ingestion directly, batches of 1,000) %.1f s = %,.0f events/s%n", sent.size(), produce, runner, stream,
          sent.size() / stream, floor, sent.size() / floor);
    }
  }
}
