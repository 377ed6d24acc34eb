package dev.tandem.pipelines;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import dev.tandem.beam.TandemFiles;
import dev.tandem.kafka.LocalKafka;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.pipelines.TandemCliTest.Result;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.RowCodec;
import dev.tandem.spec.eval.IngestedRow;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/** {@code tandem materialize} and {@code tandem state-digest} against a real Redis. */
class MaterializeTest {
  static final Path ADVERSARIAL = Path.of("../test-data/fixtures/jd-adversarial-300");

  @TempDir
  Path dir;

  private LocalRedis local;
  private RedisState redis;
  private FeatureSpec spec;
  private RedisKeys keys;

  @BeforeEach
  void startRedis() throws Exception {
    local = LocalRedis.start(dir.resolve("redis"));
    redis = RedisState.connect(local.uri());
    spec = FeatureSpec.load(TandemCliTest.JD_SPEC);
    keys = new RedisKeys(spec.name(), Integer.toString(spec.version()));
  }

  @AfterEach
  void stopRedis() {
    redis.close();
    local.close();
  }

  @Test
  void theSameDataTwiceGivesTheSameDigestAndOnlyTheNewGenerationRemains() {
    Result first = materialize();
    assertThat(first.err(), first.code(), is(0));
    assertThat(first.out(), containsString("materialize: generation 1 of jd v1 is current"));
    Result digest1 = digest();
    assertThat(digest1.err(), digest1.code(), is(0));

    Result second = materialize();
    assertThat(second.err(), second.code(), is(0));
    assertThat(second.out(), containsString("deleted 1 older generation(s) [1]"));
    assertThat(current(), is(2L));
    assertThat(redis.scanKeys(keys.generationPrefix(1)), empty());
    assertThat(digest().out(), equalTo(digest1.out()));
    assertThat(digest1.out(), containsString(" keys, "));
  }

  @Test
  void asOfLeavesOutLaterRowsAndReadersSeeOneWholeGenerationAcrossTheSwitch() throws Exception {
    Instant[] span = TandemFiles.requestTimeRange(spec, ADVERSARIAL);
    Instant asOf = span[0].plusMillis((span[1].toEpochMilli() - span[0].toEpochMilli()) / 2);

    assertThat(materialize().code(), is(0));
    Map<String, byte[]> all = snapshot(1);
    Result cut = materialize("--as-of", asOf.toString());
    assertThat(cut.err(), cut.code(), is(0));
    assertThat(cut.out(), not(containsString("rows after as-of 0,")));
    Map<String, byte[]> early = snapshot(2);

    // As of the cut a key holds only rows up to it, and some keys hold fewer rows than with all the data.
    List<String> differing = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : early.entrySet()) {
      assertThat(e.getKey(), all.containsKey(e.getKey()));
      if (!Arrays.equals(e.getValue(), all.get(e.getKey()))) {
        differing.add(e.getKey());
      }
      RedisKeys.StateKey k = stateKey(e.getKey(), 2);
      if (k != null) {
        TableDef t = spec.table(k.table());
        int time = t.indexOf(t.time());
        for (IngestedRow row : new RowCodec(t).decode(e.getValue())) {
          assertThat(e.getKey(), (Instant) row.values()[time], lessThanOrEqualTo(asOf));
        }
      }
    }
    assertThat(differing.size(), greaterThan(0));

    // A reader reads `current`, then a fixed set of state keys of that generation, while the full data is materialized again.
    List<String> watched = new ArrayList<>(differing.subList(0, Math.min(200, differing.size())));
    early.keySet().stream().filter(k -> !watched.contains(k)).limit(100).forEach(watched::add);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<String> problem = new AtomicReference<>();
    Map<Long, AtomicLong> reads = Map.of(2L, new AtomicLong(), 3L, new AtomicLong());
    Thread reader = new Thread(() -> {
      try (RedisState client = RedisState.connect(local.uri())) {
        while (!stop.get() && problem.get() == null) {
          long generation = Long.parseLong(new String(client.get(keys.currentKey()), US_ASCII));
          Map<String, byte[]> expected = generation == 2 ? early : generation == 3 ? all : null;
          if (expected == null) {
            problem.set("unexpected generation " + generation);
            break;
          }
          List<byte[]> values = client.getAll(watched.stream().map(k -> key(generation, k)).toList());
          for (int i = 0; i < watched.size(); i++) {
            if (!Arrays.equals(values.get(i), expected.get(watched.get(i)))) {
              problem.set("generation " + generation + ", " + watched.get(i) + ": "
                  + (values.get(i) == null ? "missing" : "another generation's value"));
            }
          }
          reads.get(generation).incrementAndGet();
        }
      } catch (RuntimeException e) {
        problem.set(e.toString());
      }
    });
    reader.start();
    Result again = materialize("--grace-seconds", "2");
    Thread.sleep(200); // a few reads of the new generation
    stop.set(true);
    reader.join();
    assertThat(again.err(), again.code(), is(0));
    assertThat(problem.get(), problem.get() == null);
    assertThat("reads of the old generation", reads.get(2L).get(), greaterThan(0L));
    assertThat("reads of the new generation", reads.get(3L).get(), greaterThan(0L));
    assertSameState(snapshot(3), all);
    assertThat(redis.scanKeys(keys.generationPrefix(2)), empty());
  }

  @Test
  void everyEventAcknowledgedBeforeDuringAndAfterARematerializationIsInTheNewGeneration() throws Exception {
    Result first = materialize();
    assertThat(first.err(), first.code(), is(0));
    Matcher m = Pattern.compile("after the cut (\\S+) ").matcher(first.out());
    assertThat(first.out(), m.find());
    Instant cut = Instant.parse(m.group(1));

    // Writers post bo_comment events after the files' cut, as POST /events does (Ingestion.ingestLive), and a producer
    // sends more to Kafka, applied by the live stream job.
    LocalKafka kafka = LocalKafka.start();
    kafka.createTopics(Map.of("jd.bo_comment", 1, "jd.dead-letters", 1));
    StreamJob stream = new StreamJob(spec, local.uri(), kafka.bootstrapServers(), "jd.", "tandem-jd", "jd.dead-letters",
        List.of("bo_comment"), null, TableDef.DEFAULT_MAX_SKEW);
    org.apache.beam.sdk.PipelineResult streaming = stream.pipeline(Runners.options("direct", List.of(),
        new java.io.PrintWriter(new java.io.StringWriter()))).run();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<String> problem = new AtomicReference<>();
    Map<String, Long> acknowledged = new java.util.concurrent.ConcurrentHashMap<>(); // event id -> generation written
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      int writer = w;
      writers.add(new Thread(() -> {
        try (RedisState client = RedisState.connect(local.uri())) {
          dev.tandem.online.Ingestion ingestion = new dev.tandem.online.Ingestion(spec, client, keys);
          for (int n = 0; !stop.get(); n++) {
            List<dev.tandem.online.Ingestion.Event> batch = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
              Instant time = cut.plusSeconds(3600 + n);
              String id = "live-" + writer + "-" + n + "-" + i;
              batch.add(new dev.tandem.online.Ingestion.Event(id, new Object[] {time, 20180401L, "live-sku-" + writer + "-" + n, 3,
                  "0", 0.5f}, time));
            }
            dev.tandem.online.Ingestion.Outcome outcome = ingestion.ingestLive("bo_comment", batch);
            for (int i = 0; i < batch.size(); i++) {
              if (outcome.results().get(i).status() == dev.tandem.online.Ingestion.Status.ACCEPTED) {
                acknowledged.put(batch.get(i).id(), outcome.generation());
              }
            }
          }
        } catch (RuntimeException e) {
          problem.set(e.toString());
        }
      }));
    }
    List<String> sentToKafka = java.util.Collections.synchronizedList(new ArrayList<>());
    writers.add(new Thread(() -> {
      java.util.Properties props = new java.util.Properties();
      props.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      props.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
      try (org.apache.kafka.clients.producer.KafkaProducer<String, String> producer = new org.apache.kafka.clients.producer.KafkaProducer<>(
          props, new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
        for (int n = 0; !stop.get(); n++) {
          Instant time = cut.plusSeconds(3600 + n);
          String id = "kafka-" + n;
          producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("jd.bo_comment", null, time.toEpochMilli(), id,
              "{\"ingestionTime\": \"" + time + "\", \"sku_id\": \"kafka-sku-" + n + "\", \"comment_num\": 1}")).get();
          sentToKafka.add(id);
          Thread.sleep(20); // about what the Direct runner applies per second
        }
      } catch (Exception e) {
        problem.set(e.toString());
      }
    }));
    writers.forEach(Thread::start);
    Thread.sleep(300);
    Result again = materialize("--grace-seconds", "1");
    Thread.sleep(300);
    stop.set(true);
    for (Thread t : writers) {
      t.join();
    }
    while (stream.lag(redis, keys).values().stream().anyMatch(n -> n > 0) && problem.get() == null) {
      Thread.sleep(50); // every message Kafka acknowledged is applied
    }
    streaming.cancel();
    kafka.close();
    assertThat(again.err(), again.code(), is(0));
    assertThat(problem.get(), problem.get() == null);
    assertThat(current(), is(2L));
    assertThat("acknowledged into the old generation", acknowledged.values().stream().filter(g -> g == 1).count(), greaterThan(0L));
    assertThat("acknowledged into the new generation", acknowledged.values().stream().filter(g -> g == 2).count(), greaterThan(0L));

    // Every acknowledged event is in the new generation's state, and nothing of the old one is left.
    TableDef comments = spec.table("bo_comment");
    RowCodec codec = new RowCodec(comments);
    List<String> ids = new ArrayList<>(acknowledged.keySet());
    List<byte[]> values = redis.getAll(ids.stream()
        .map(id -> keys.stateKey(2, "bo_comment", "sku_id", "live-sku-" + id.substring(5, id.lastIndexOf('-')))).toList());
    long found = 0;
    for (int i = 0; i < ids.size(); i++) {
      long eventId = IngestedRow.eventId(ids.get(i));
      if (values.get(i) != null && codec.decode(values.get(i)).stream().anyMatch(r -> r.eventId() == eventId)) {
        found++;
      }
    }
    List<byte[]> streamed = redis.getAll(sentToKafka.stream()
        .map(id -> keys.stateKey(2, "bo_comment", "sku_id", "kafka-sku-" + id.substring("kafka-".length()))).toList());
    long foundStreamed = 0;
    for (int i = 0; i < sentToKafka.size(); i++) {
      long eventId = IngestedRow.eventId(sentToKafka.get(i));
      if (streamed.get(i) != null && codec.decode(streamed.get(i)).stream().anyMatch(r -> r.eventId() == eventId)) {
        foundStreamed++;
      }
    }
    System.out.printf("live events acknowledged over HTTP's path %d (%d into generation 1, %d into generation 2), in generation 2's "
        + "state %d; sent to Kafka %d, in generation 2's state %d%n", ids.size(), acknowledged.values().stream().filter(g -> g == 1).count(),
        acknowledged.values().stream().filter(g -> g == 2).count(), found, sentToKafka.size(), foundStreamed);
    assertThat(found, is((long) ids.size()));
    assertThat(sentToKafka.size(), greaterThan(0));
    assertThat(foundStreamed, is((long) sentToKafka.size()));
    assertThat(redis.scanKeys(keys.generationPrefix(1)), empty());
  }

  @Test
  void anUnreachableRedisIsNamedAndExitsTwo() {
    Result r = TandemCliTest.cli("materialize", "--spec", TandemCliTest.JD_SPEC.toString(), "--data", ADVERSARIAL.toString(),
        "--redis", "redis://127.0.0.1:1");
    assertThat(r.code(), is(2));
    assertThat(r.err(), containsString("cannot reach Redis at redis://127.0.0.1:1"));
  }

  @Test
  void aBadUriOrMissingDataExitsTwo() {
    Result uri = TandemCliTest.cli("materialize", "--spec", TandemCliTest.JD_SPEC.toString(), "--data", ADVERSARIAL.toString(),
        "--redis", "http://127.0.0.1:6379");
    assertThat(uri.code(), is(2));
    assertThat(uri.err(), containsString("bad --redis: expected redis://[user:password@]host:port or rediss://..., got http://127.0.0.1:6379"));
    Result data = TandemCliTest.cli("materialize", "--spec", TandemCliTest.JD_SPEC.toString(), "--data",
        dir.resolve("none").toString(), "--redis", local.uri());
    assertThat(data.code(), is(2));
    assertThat(data.err(), containsString("data error: table 'flattenRequest_clean': missing folder"));
    assertThat(redis.get(keys.currentKey()), is((byte[]) null));
  }

  /** Materializes the adversarial fixture; no grace period unless given. */
  private Result materialize(String... more) {
    List<String> args = new ArrayList<>(List.of("materialize", "--spec", TandemCliTest.JD_SPEC.toString(),
        "--data", ADVERSARIAL.toString(), "--redis", local.uri()));
    args.addAll(List.of(more));
    if (!args.contains("--grace-seconds")) {
      args.addAll(List.of("--grace-seconds", "0"));
    }
    return TandemCliTest.cli(args.toArray(String[]::new));
  }

  private Result digest() {
    return TandemCliTest.cli("state-digest", "--spec", TandemCliTest.JD_SPEC.toString(), "--redis", local.uri());
  }

  private long current() {
    return Long.parseLong(new String(redis.get(keys.currentKey()), US_ASCII));
  }

  /** A generation's keys (without the generation prefix, as text) and values, meta left out. */
  private Map<String, byte[]> snapshot(long generation) {
    int prefix = keys.generationPrefix(generation).length;
    List<byte[]> found = redis.scanKeys(keys.generationPrefix(generation));
    found.removeIf(k -> Arrays.equals(k, keys.metaKey(generation)));
    List<byte[]> values = redis.getAll(found);
    Map<String, byte[]> out = new TreeMap<>();
    for (int i = 0; i < found.size(); i++) {
      out.put(new String(found.get(i), prefix, found.get(i).length - prefix, UTF_8), values.get(i));
    }
    return out;
  }

  private static void assertSameState(Map<String, byte[]> actual, Map<String, byte[]> expected) {
    assertThat(actual.keySet(), equalTo(expected.keySet()));
    expected.forEach((k, v) -> assertThat(k, Arrays.equals(actual.get(k), v)));
  }

  private byte[] key(long generation, String relative) {
    byte[] prefix = keys.generationPrefix(generation);
    byte[] rest = relative.getBytes(UTF_8);
    byte[] key = Arrays.copyOf(prefix, prefix.length + rest.length);
    System.arraycopy(rest, 0, key, prefix.length, rest.length);
    return key;
  }

  /** The state key a relative key names, or null for a sequence counter. */
  private RedisKeys.StateKey stateKey(String relative, long generation) {
    return relative.startsWith("s:") ? keys.parseStateKey(key(generation, relative)) : null;
  }
}
