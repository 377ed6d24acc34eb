package dev.tandem.online;

import dev.tandem.redis.LocalRedis;
import dev.tandem.redis.LocalRedisCluster;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.util.JedisClusterCRC16;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RedisState over a real 3-master, 3-replica cluster that loses a master. */
class RedisClusterFailoverTest {

  private static final Duration RECOVERY_DEADLINE = Duration.ofSeconds(30);
  private static final RedisState.Options OPTIONS = new RedisState.Options(null, 8, Duration.ofMillis(500));

  @Test
  @Timeout(120) // a hang is a failure too
  void aDeadMastersSlotsFailFastUntilItsReplicaTakesOverWithoutAReconnect(@TempDir Path dir) throws Exception {
    try (LocalRedisCluster cluster = LocalRedisCluster.start(dir, 3, 1);
         RedisState state = RedisState.connect(cluster.uri(), OPTIONS)) {
      Map<String, String> expected = new LinkedHashMap<>();
      Map<byte[], byte[]> entries = new LinkedHashMap<>();
      for (int i = 0; i < 3000; i++) { // every master owns some
        expected.put("key" + i, "value" + i);
        entries.put(bytes("key" + i), bytes("value" + i));
      }
      state.setAll(entries);
      cluster.awaitReplicated(); // else a write the replica never got would be lost in the failover

      LocalRedis victim = cluster.masters().get(1);
      Set<String> onVictim;
      try (Jedis jedis = victim.admin()) {
        onVictim = jedis.keys("key*");
      }
      List<String> all = List.copyOf(expected.keySet());
      List<String> dead = all.stream().filter(onVictim::contains).toList();
      List<String> alive = all.stream().filter(k -> !onVictim.contains(k)).toList();
      assertFalse(dead.isEmpty());
      assertFalse(alive.isEmpty());

      // Load: calls over every key, before, during and after the failover.
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong loadOk = new AtomicLong();
      AtomicLong loadFailed = new AtomicLong();
      ExecutorService load = Executors.newFixedThreadPool(2);
      List<Future<?>> loaders = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        loaders.add(load.submit(() -> {
          while (!stop.get()) {
            try {
              state.getAll(keys(all));
              loadOk.incrementAndGet();
            } catch (JedisException e) { // anything else fails the loader, and the test
              loadFailed.incrementAndGet();
            }
          }
          return null;
        }));
      }
      try {
        long killedAt = System.nanoTime();
        ProcessHandle.of(victim.pid()).orElseThrow().destroyForcibly(); // SIGKILL: a crash

        // The replica cannot be promoted before the node timeout (2 s) and an election: these
        // calls come first.
        assertEquals(values(alive, expected), texts(state.getAll(keys(alive))));
        JedisException batch = assertThrows(JedisException.class, () -> state.getAll(keys(dead)));
        assertTrue(batch instanceof JedisConnectionException, String.valueOf(batch));
        assertTrue(String.valueOf(batch.getMessage()).contains(Integer.toString(victim.port()))
            || String.valueOf(batch.getCause()).contains(Integer.toString(victim.port())), batch.toString());
        assertThrows(JedisException.class, () -> state.get(bytes(dead.get(0))));

        long deadline = killedAt + RECOVERY_DEADLINE.toNanos();
        List<String> recovered = null;
        int failedCalls = 0;
        while (recovered == null && System.nanoTime() < deadline) {
          assertEquals(values(alive, expected), texts(state.getAll(keys(alive)))); // never interrupted
          try {
            recovered = texts(state.getAll(keys(all)));
          } catch (JedisException e) {
            failedCalls++;
            Thread.sleep(20);
          }
        }
        long window = System.nanoTime() - killedAt;
        assertNotNull(recovered, "no full read within " + RECOVERY_DEADLINE.toSeconds() + " s of the kill");
        System.out.printf("cluster failover: keys on the killed master unavailable for %d ms (kill to first full read;"
            + " %d failed reads meanwhile)%n", TimeUnit.NANOSECONDS.toMillis(window), failedCalls);

        assertEquals(values(all, expected), recovered);
        assertEquals(expected.get(dead.get(0)), text(state.get(bytes(dead.get(0)))));
        Map<byte[], byte[]> rewrite = new LinkedHashMap<>();
        dead.forEach(k -> rewrite.put(bytes(k), bytes("new " + k)));
        state.setAll(rewrite);
        assertEquals(dead.stream().map(k -> "new " + k).toList(), texts(state.getAll(keys(dead))));
      } finally {
        stop.set(true);
        load.shutdown();
      }
      for (Future<?> loader : loaders) {
        loader.get(); // rethrows anything but a JedisException
      }
      assertTrue(loadOk.get() > 0, "load calls: " + loadOk + " ok, " + loadFailed + " failed");
    }
  }

  @Test
  void connectGoesOnWhenTheFirstSeedIsDown(@TempDir Path dir) throws Exception {
    int nobody;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      nobody = socket.getLocalPort(); // free once closed: nothing listens there
    }
    try (LocalRedisCluster cluster = LocalRedisCluster.start(dir, 3)) {
      String seeds = "redis://127.0.0.1:" + nobody + "," + cluster.uri().substring("redis://".length());
      try (RedisState state = RedisState.connect(seeds, OPTIONS)) {
        Map<byte[], byte[]> entries = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
          entries.put(bytes("key" + i), bytes("value" + i));
        }
        state.setAll(entries);
        assertEquals("value42", text(state.getAll(List.of(bytes("key42"))).get(0)));
        assertEquals("PONG", state.ping());
      }
      JedisConnectionException none = assertThrows(JedisConnectionException.class,
          () -> RedisState.connect("redis://127.0.0.1:" + nobody, OPTIONS));
      assertTrue(none.getMessage().contains("127.0.0.1:" + nobody), none.getMessage());
    }
  }

  @Test
  void severalSeedsAreForAClusterOnly(@TempDir Path dir) throws Exception {
    try (LocalRedis redis = LocalRedis.start(dir)) {
      try (Jedis admin = redis.admin()) {
        admin.aclSetUser("u", "on", ">s3cret", "~*", "&*", "+@all");
      }
      String host = "127.0.0.1:" + redis.port();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> RedisState.connect("redis://u:s3cret@" + host + "," + host + "0", OPTIONS));
      assertTrue(e.getMessage().contains("standalone"), e.getMessage());
      assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }
  }

  @Test
  void aBatchThatMetMovedIsRetriedOnTheNewOwnerIfItMayRunTwice(@TempDir Path dir) throws Exception {
    try (LocalRedisCluster cluster = LocalRedisCluster.start(dir, 3);
         RedisState state = RedisState.connect(cluster.uri(), OPTIONS)) {
      // The slot map is read at connect; then the (empty) slots of two keys move to another master.
      moveSlotAway(cluster, "moved-for-mset");
      state.setAll(Map.of(bytes("moved-for-mset"), bytes("v"))); // MOVED, map renewed, MSET again: no failure
      assertEquals("v", text(state.get(bytes("moved-for-mset"))));

      moveSlotAway(cluster, "moved-for-cas");
      byte[] cas = bytes("moved-for-cas");
      // A compare-and-set is not run twice: this call fails, the next one goes to the new owner.
      assertThrows(JedisMovedDataException.class, () -> state.compareAndSetAll(List.of(new RedisState.Cas(cas, null, bytes("x")))));
      assertEquals(List.of(true), state.compareAndSetAll(List.of(new RedisState.Cas(cas, null, bytes("x")))));
      assertEquals("x", text(state.get(cas)));
    }
  }

  /**
   * Moves the slot of {@code key}, which must hold no keys, from its master to the next one, as
   * redis-cli's resharding does: IMPORTING on the target, MIGRATING on the source, then NODE on
   * the target (which takes a new config epoch, so the whole cluster accepts the change) and
   * everywhere else.
   */
  private static void moveSlotAway(LocalRedisCluster cluster, String key) {
    List<LocalRedis> masters = cluster.masters();
    int owner = -1;
    for (int i = 0; i < masters.size(); i++) {
      try (Jedis jedis = masters.get(i).admin()) {
        jedis.exists(key); // MOVED from every master but the owner
        owner = i;
      } catch (JedisMovedDataException e) {
        // not this one
      }
    }
    LocalRedis source = masters.get(owner);
    LocalRedis target = masters.get((owner + 1) % masters.size());
    int slot = JedisClusterCRC16.getSlot(key);
    try (Jedis from = source.admin(); Jedis to = target.admin()) {
      String sourceId = from.clusterMyId();
      String targetId = to.clusterMyId();
      assertEquals("OK", to.clusterSetSlotImporting(slot, sourceId));
      assertEquals("OK", from.clusterSetSlotMigrating(slot, targetId));
      assertEquals("OK", to.clusterSetSlotNode(slot, targetId));
      for (LocalRedis master : masters) {
        if (master != target) {
          try (Jedis jedis = master.admin()) {
            assertEquals("OK", jedis.clusterSetSlotNode(slot, targetId));
          }
        }
      }
    }
  }

  private static List<byte[]> keys(List<String> names) {
    return names.stream().map(RedisClusterFailoverTest::bytes).toList();
  }

  private static List<String> values(List<String> names, Map<String, String> expected) {
    return names.stream().map(expected::get).collect(Collectors.toList());
  }

  private static List<String> texts(List<byte[]> values) {
    return values.stream().map(RedisClusterFailoverTest::text).toList();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  private static String text(byte[] value) {
    return value == null ? null : new String(value, UTF_8);
  }
}
