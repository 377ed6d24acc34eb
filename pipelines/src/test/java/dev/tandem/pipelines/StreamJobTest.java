package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.kafka.LocalKafka;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.RowCodec;
import dev.tandem.spec.eval.IngestedRow;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem stream} against a real Kafka and Redis: good messages applied once, bad ones dead-lettered with their reason. */
class StreamJobTest {
  @TempDir
  Path dir;

  @Test
  void goodMessagesAreAppliedOnceAndEveryBadOneIsDeadLetteredWithItsReason() throws Exception {
    FeatureSpec spec = FeatureSpec.load(TandemCliTest.JD_SPEC);
    RedisKeys keys = MaterializeJob.keys(spec);
    try (LocalRedis redis = LocalRedis.start(dir); LocalKafka kafka = LocalKafka.start();
        RedisState state = RedisState.connect(redis.uri())) {
      state.set(keys.currentKey(), "1".getBytes());
      kafka.createTopics(Map.of("jd.bo_comment", 1, "jd.dead-letters", 1));
      Instant t = Instant.parse("2018-04-10T08:00:00Z");
      String good = "{\"ingestionTime\": \"" + t + "\", \"dt\": 20180410, \"sku_id\": \"s1\", \"comment_num\": 3,"
          + " \"has_bad_comment\": \"0\", \"bad_comment_rate\": 0.25}";
      List<ProducerRecord<String, String>> messages = List.of(
          new ProducerRecord<>("jd.bo_comment", null, t.toEpochMilli(), "c1", good),
          new ProducerRecord<>("jd.bo_comment", null, t.toEpochMilli(), "c1", good), // redelivered
          new ProducerRecord<>("jd.bo_comment", null, t.toEpochMilli(), "c2", "not json"),
          new ProducerRecord<>("jd.bo_comment", null, t.toEpochMilli(), "c3", "{\"sku\": \"s1\"}"),
          new ProducerRecord<>("jd.bo_comment", null, t.toEpochMilli(), "c4", "{\"ingestionTime\": \"" + t + "\", \"comment_num\": \"x\"}"),
          new ProducerRecord<>("jd.bo_comment", null, t.toEpochMilli(), "c5", "{\"sku_id\": \"s1\"}"),
          new ProducerRecord<>("jd.bo_comment", null, t.toEpochMilli(), "c6", good.replace(t.toString(), t.plus(Duration.ofHours(8)).toString())),
          new ProducerRecord<>("jd.bo_comment", null, t.toEpochMilli(), null, good));
      Properties producerProps = new Properties();
      producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
        for (ProducerRecord<String, String> m : messages) {
          producer.send(m).get();
        }
      }

      StreamJob job = new StreamJob(spec, redis.uri(), kafka.bootstrapServers(), "jd.", "tandem-jd", "jd.dead-letters",
          List.of("bo_comment"), null, TableDef.DEFAULT_MAX_SKEW);
      PipelineResult running = job.pipeline(Runners.options("direct", List.of(), new PrintWriter(new StringWriter()))).run();
      List<Map<String, Object>> letters = new ArrayList<>();
      Properties consumerProps = new Properties();
      consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "test");
      consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      ObjectMapper json = new ObjectMapper();
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of("jd.dead-letters"));
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (letters.size() < 6 && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            letters.add(json.readValue(r.value(), Map.class));
          }
        }
      }
      while (!job.lag(state, keys).values().stream().allMatch(n -> n == 0)) {
        Thread.sleep(50);
      }
      String progress = job.progress(running, state, keys);
      running.cancel();

      assertThat(letters, hasSize(6));
      assertThat(letters.stream().map(l -> (String) l.get("key")).toList(), containsInAnyOrder("c2", "c3", "c4", "c5", "c6", null));
      Map<String, String> reasons = new java.util.HashMap<>();
      letters.forEach(l -> reasons.put(String.valueOf(l.get("key")), (String) l.get("reason")));
      assertThat(reasons.get("c2"), containsString("not a JSON object"));
      assertThat(reasons.get("c3"), containsString("value.sku: unknown column 'sku' of table 'bo_comment'"));
      assertThat(reasons.get("c4"), containsString("value.comment_num: expected an int"));
      assertThat(reasons.get("c5"), containsString("NULL time"));
      assertThat(reasons.get("c6"), containsString("ahead of the clock"));
      assertThat(reasons.get("null"), containsString("no event id"));
      assertThat(progress, progress, containsString("bo_comment: 1 accepted, 1 duplicate, 0 late, 2 rejected, 6 dead letters"));
      List<IngestedRow> stored = new RowCodec(spec.table("bo_comment")).decode(state.get(keys.stateKey(1, "bo_comment", "sku_id", "s1")));
      assertThat(stored.stream().map(IngestedRow::eventId).toList(), is(List.of(IngestedRow.eventId("c1"))));
      assertThat(state.hash(keys.streamOffsetsKey("tandem-jd")).get("jd.bo_comment/0"), is("7"));
    }
  }
}
