package dev.tandem.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;

class LocalKafkaTest {

  private static final String TOPIC = "events";
  private static final int RECORDS = 100;
  /** Rows replayed from data carry their own times: 2016-02-01, far past any time retention's default. */
  private static final long HISTORICAL_TIME = 1_454_284_800_000L;

  @Test
  void aRealBrokerKeepsRecordsAndStopsByPid() throws Exception {
    LocalKafka kafka = LocalKafka.start();
    long pid = kafka.pid();
    Path dir = kafka.dir();
    try {
      assertThat(kafka.bootstrapServers(), matchesPattern("127\\.0\\.0\\.1:[0-9]+"));
      assertThat(Files.isDirectory(dir), is(true));
      kafka.createTopics(Map.of(TOPIC, 2));

      Map<String, String> sent = new HashMap<>();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
          ProducerConfig.ACKS_CONFIG, "all",
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
          new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < RECORDS; i++) {
          sent.put("user-" + i, "event-" + i);
          producer.send(new ProducerRecord<>(TOPIC, null, HISTORICAL_TIME, "user-" + i, "event-" + i));
        }
        producer.flush();
      }

      Map<String, String> received = new HashMap<>();
      Set<Integer> partitions = new HashSet<>();
      int count = 0;
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
          new StringDeserializer(), new StringDeserializer())) {
        consumer.assign(List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1)));
        // A bound on the wait, not a timing check: the records are all there once flush() returned.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (count < RECORDS && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
            received.put(record.key(), record.value());
            partitions.add(record.partition());
            count++;
          }
        }
      }
      assertThat(count, is(RECORDS));
      assertThat(received, equalTo(sent));
      assertThat(partitions, equalTo(Set.of(0, 1)));
      // Messages with historical timestamps are kept: the broker's time retention is off.
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
        Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
        assertThat(config.get(TopicConfig.RETENTION_MS_CONFIG).value(), is("-1"));
      }
    } finally {
      kafka.close();
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), is(false));
    assertThat(Files.exists(dir), is(false));
    kafka.close(); // a second close is a no-op
  }
}
