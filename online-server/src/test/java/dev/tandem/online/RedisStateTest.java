package dev.tandem.online;

import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

import dev.tandem.online.RedisState.Cas;
import dev.tandem.redis.LocalRedis;
import dev.tandem.redis.LocalRedisCluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisStateTest {

  @TempDir
  Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();
  private List<Integer> ports;

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** A fresh server (a 3-master cluster when asked) and a RedisState connected to it. */
  private RedisState connect(boolean cluster) throws Exception {
    return connect(cluster, RedisState.Options.DEFAULTS);
  }

  private RedisState connect(boolean cluster, RedisState.Options options) throws Exception {
    String uri;
    if (cluster) {
      LocalRedisCluster redis = LocalRedisCluster.start(dir, 3);
      open.add(redis);
      uri = redis.uri();
      ports = redis.ports();
    } else {
      LocalRedis redis = LocalRedis.start(dir);
      open.add(redis);
      uri = redis.uri();
      ports = List.of(redis.port());
    }
    RedisState state = RedisState.connect(uri, options);
    open.add(state);
    return state;
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void getAllReturnsValuesInKeyOrderWithNullsForMissing(boolean cluster) throws Exception {
    RedisState state = connect(cluster);
    Map<byte[], byte[]> entries = new LinkedHashMap<>();
    List<byte[]> asked = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      byte[] key = bytes("k" + i);
      entries.put(key, bytes("v" + i));
      asked.add(key);
      expected.add("v" + i);
      if (i % 7 == 0) {
        asked.add(bytes("missing" + i));
        expected.add(null);
      }
    }
    // Keys sharing a hash tag share a slot: one MGET holds several keys in a cluster too.
    for (String key : List.of("{user1}:a", "{user1}:b", "{user1}:c")) {
      entries.put(bytes(key), bytes("value of " + key));
    }
    asked.addAll(List.of(bytes("{user1}:c"), bytes("{user1}:missing"), bytes("{user1}:a"), bytes("k5")));
    expected.addAll(Arrays.asList("value of {user1}:c", null, "value of {user1}:a", "v5"));
    state.setAll(entries);

    List<byte[]> values = state.getAll(asked);
    assertEquals(expected, values.stream().map(v -> v == null ? null : text(v)).toList());
    assertEquals(List.of(), state.getAll(List.of()));

    long[] perNode = ports.stream().mapToLong(port -> {
      try (Jedis node = LocalRedis.admin(port, 5000)) {
        return node.dbSize();
      }
    }).toArray();
    assertEquals(303, Arrays.stream(perNode).sum());
    if (cluster) {
      assertTrue(Arrays.stream(perNode).filter(n -> n > 0).count() > 1,
          "keys on one node only: " + Arrays.toString(perNode));
      Set<Integer> slots = asked.stream().map(JedisClusterCRC16::getSlot).collect(Collectors.toSet());
      assertTrue(slots.size() > 100, "slots: " + slots.size());
    }
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void compareAndSetAppliesOnlyWhenTheExpectedValueIsCurrent(boolean cluster) throws Exception {
    RedisState state = connect(cluster);
    byte[] a = bytes("a");
    byte[] b = bytes("b");
    byte[] c = bytes("c");
    byte[] empty = bytes("empty");
    state.set(b, bytes("b1"));
    state.set(c, bytes("c1"));
    state.set(empty, new byte[0]);

    assertEquals(List.of(true, false, false, true, false, false), state.compareAndSetAll(List.of(
        new Cas(a, null, bytes("a1")),          // absent, expected absent: applies
        new Cas(b, null, bytes("b2")),          // present, expected absent: refused
        new Cas(c, bytes("c0"), bytes("c2")),   // stale
        new Cas(c, bytes("c1"), null),          // current, delete
        new Cas(empty, null, bytes("x")),       // an empty value is not absence
        new Cas(bytes("nothing"), new byte[0], bytes("x"))))); // nor the reverse
    assertArrayEquals(bytes("a1"), state.get(a));
    assertArrayEquals(bytes("b1"), state.get(b));
    assertNull(state.get(c));
    assertArrayEquals(new byte[0], state.get(empty));
    assertNull(state.get(bytes("nothing")));

    // After SCRIPT FLUSH the script is gone from every node: EVALSHA fails, EVAL takes over.
    for (int port : ports) {
      try (Jedis node = LocalRedis.admin(port, 5000)) {
        node.scriptFlush();
      }
    }
    assertEquals(List.of(true, true, false), state.compareAndSetAll(List.of(
        new Cas(a, bytes("a1"), bytes("a2")),
        new Cas(b, bytes("b1"), new byte[0]),
        new Cas(bytes("nothing"), bytes("x"), bytes("y")))));
    assertArrayEquals(bytes("a2"), state.get(a));
    assertArrayEquals(new byte[0], state.get(b));
    assertEquals(List.of(), state.compareAndSetAll(List.of()));
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void scanAndDeleteTouchOnlyThePrefix(boolean cluster) throws Exception {
    RedisState state = connect(cluster);
    RedisKeys keys = new RedisKeys("jd", "1");
    Map<byte[], byte[]> entries = new LinkedHashMap<>();
    Set<String> generation1 = new HashSet<>();
    for (int i = 0; i < 2500; i++) { // more than one SCAN page
      byte[] key = keys.stateKey(1, "t", "c", "v" + i);
      entries.put(key, bytes("x"));
      generation1.add(text(key));
      entries.put(keys.stateKey(10, "t", "c", "v" + i), bytes("y"));
    }
    entries.put(keys.currentKey(), bytes("1"));
    entries.put(bytes("tandem:jd:1:g1*"), bytes("a glob character in a key"));
    state.setAll(entries);

    assertEquals(generation1, state.scanKeys(keys.generationPrefix(1)).stream()
        .map(RedisStateTest::text).collect(Collectors.toSet()));
    assertEquals(List.of("tandem:jd:1:g1*"), state.scanKeys(bytes("tandem:jd:1:g1*")).stream()
        .map(RedisStateTest::text).toList());

    assertEquals(2500, state.deleteByPrefix(keys.generationPrefix(1)));
    assertEquals(List.of(), state.scanKeys(keys.generationPrefix(1)));
    assertEquals(2500, state.scanKeys(keys.generationPrefix(10)).size());
    assertArrayEquals(bytes("1"), state.get(keys.currentKey()));
    assertArrayEquals(bytes("a glob character in a key"), state.get(bytes("tandem:jd:1:g1*")));
    assertEquals(0, state.deleteByPrefix(keys.generationPrefix(1)));
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void singleKeyCommandsCountersMemoryAndPing(boolean cluster) throws Exception {
    RedisState state = connect(cluster);
    byte[] seq = bytes("tandem:jd:1:g1:seq:t");
    assertEquals(5, state.incrBy(seq, 5));
    assertEquals(12, state.incrBy(seq, 7));
    assertArrayEquals(bytes("12"), state.get(seq));

    byte[] key = new byte[] {0, (byte) 0xFF, '\n', ':'};
    byte[] value = new byte[] {(byte) 0x80, 0, 1};
    state.set(key, value);
    assertArrayEquals(value, state.get(key));
    assertTrue(state.delete(key));
    assertNull(state.get(key));
    assertEquals(false, state.delete(key));

    assertTrue(state.usedMemory() > 0);
    assertEquals("PONG", state.ping());
  }

  @Test
  void connectRejectsAnythingButRedisHostPort() {
    for (String uri : List.of("http://127.0.0.1:6379", "redis://user:pw@127.0.0.1:6379/2", "redis://127.0.0.1:6379/2",
        "redis://127.0.0.1:6379?db=1")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisState.connect(uri), uri);
      assertTrue(!e.getMessage().contains(":pw@"), "the password is not in the message: " + e.getMessage());
    }
    assertEquals("rediss://tandem:***@host:6380", RedisState.redacted("rediss://tandem:s3cret@host:6380"));
    assertEquals("redis://host:6379", RedisState.redacted("redis://host:6379"));
  }

  @Test
  void anAclUserWithItsPasswordGetsInAndNobodyElseDoes() throws Exception {
    LocalRedis redis = LocalRedis.start(dir);
    open.add(redis);
    try (Jedis admin = redis.admin()) {
      admin.aclSetUser("tandem", "on", ">s3cret-p@ss", "~*", "&*", "+@all");
      admin.aclSetUser("default", "off"); // from here on, only named users with their passwords
    }
    String host = "127.0.0.1:" + redis.port();
    try (RedisState state = RedisState.connect("redis://tandem:s3cret-p%40ss@" + host)) {
      state.set(bytes("k"), bytes("v"));
      assertEquals("v", text(state.getAll(List.of(bytes("k"))).get(0)));
    }
    for (String refused : List.of("redis://" + host, "redis://tandem:wrong@" + host, "redis://:s3cret-p%40ss@" + host)) {
      RuntimeException e = assertThrows(RuntimeException.class, () -> RedisState.connect(refused).ping(), refused);
      assertTrue(!String.valueOf(e.getMessage()).contains("s3cret"), "no password in: " + e.getMessage());
    }
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  @Timeout(60) // unbounded, the wait for a connection would hang the build
  void aCallWaitsForAPooledConnectionNoLongerThanTheTimeout(boolean cluster) throws Exception {
    RedisState state = connect(cluster, new RedisState.Options(null, 1, Duration.ofMillis(200)));
    byte[] key = bytes("k");
    state.set(key, bytes("v"));
    List<Connection> held = new ArrayList<>();
    try {
      for (int port : ports) {
        held.add(state.connection(new HostAndPort("127.0.0.1", port))); // each node's only connection
      }
      // A single-key command (Jedis's own routing) and a batch (ours) both give up.
      for (Executable call : List.<Executable>of(() -> state.get(key), () -> state.getAll(List.of(key)))) {
        JedisException e = assertThrows(JedisException.class, call);
        assertEquals("Could not get a resource from the pool", e.getMessage());
        assertTrue(e.getCause().getMessage().contains("Timeout waiting for idle object"), e.getCause().getMessage());
      }
    } finally {
      held.forEach(Connection::close);
    }
    assertEquals("v", text(state.getAll(List.of(key)).get(0)));
  }

  @Test
  void aServerThatStopsAnsweringFailsTheCallAtTheTimeout() throws Exception {
    RedisState state = connect(false, new RedisState.Options(null, 2, Duration.ofMillis(200)));
    LocalRedis redis = (LocalRedis) open.get(0);
    state.set(bytes("k"), bytes("v"));
    signal(redis.pid(), "STOP"); // alive, its port open, never answering
    try {
      JedisConnectionException e = assertThrows(JedisConnectionException.class, () -> state.get(bytes("k")));
      assertTrue(e.getCause() instanceof SocketTimeoutException, String.valueOf(e.getCause()));
    } finally {
      signal(redis.pid(), "CONT");
    }
    assertEquals("v", text(state.get(bytes("k"))));
  }

  private static void signal(long pid, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
  }

  @Test
  void tlsWithAPrivateCaAndAnAclUser() throws Exception {
    LocalRedis redis = LocalRedis.startTls(dir);
    open.add(redis);
    try (Jedis admin = redis.admin()) {
      admin.aclSetUser("tandem", "on", ">s3cret-p@ss", "~*", "&*", "+@all");
      admin.aclSetUser("default", "off");
    }
    String user = "tandem:s3cret-p%40ss@";
    String host = "127.0.0.1:" + redis.port();
    assertEquals("rediss://" + host, redis.uri());
    RedisState.Options trustTheCa = new RedisState.Options(redis.caFile(), 8, Duration.ofSeconds(2));
    try (RedisState state = RedisState.connect("rediss://" + user + host, trustTheCa)) {
      state.setAll(Map.of(bytes("k"), bytes("v")));
      assertEquals("v", text(state.get(bytes("k"))));
      assertEquals("PONG", state.ping());
    }

    JedisConnectionException plain = assertThrows(JedisConnectionException.class,
        () -> RedisState.connect("redis://" + user + host));
    assertMessage(plain, "rediss://");
    // The JVM's own trust store does not know the throwaway CA.
    JedisConnectionException untrusted = assertThrows(JedisConnectionException.class,
        () -> RedisState.connect("rediss://" + user + host));
    assertMessage(untrusted, "TLS handshake failed");
    assertMessage(untrusted, "redis-ca-file");
    // The certificate names 127.0.0.1, not localhost: the host name is checked too.
    JedisConnectionException otherName = assertThrows(JedisConnectionException.class,
        () -> RedisState.connect("rediss://" + user + "localhost:" + redis.port(), trustTheCa));
    assertMessage(otherName, "TLS handshake failed");
    // A CA that did not sign the server's certificate.
    RedisState.Options otherCa = new RedisState.Options(LocalRedis.throwawayCertificates(dir).ca(), 8, Duration.ofSeconds(2));
    assertMessage(assertThrows(JedisConnectionException.class, () -> RedisState.connect("rediss://" + user + host, otherCa)),
        "TLS handshake failed");

    assertMessage(assertThrows(IllegalArgumentException.class, () -> RedisState.connect("redis://" + user + host, trustTheCa)),
        "is for TLS");
    Path notPem = Files.writeString(dir.resolve("not.pem"), "not a certificate");
    assertMessage(assertThrows(IllegalArgumentException.class,
        () -> RedisState.connect("rediss://" + user + host, new RedisState.Options(notPem, 8, Duration.ofSeconds(2)))), "not.pem");
  }

  /** {@code e}'s message contains {@code expected}, and no message in its causes holds the password. */
  private static void assertMessage(Exception e, String expected) {
    assertTrue(String.valueOf(e.getMessage()).contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertTrue(!String.valueOf(t.getMessage()).contains("s3cret"), "no password in: " + t.getMessage());
    }
  }

  @Test
  void globPrefixEscapesGlobCharacters() {
    assertEquals("a\\*b\\?c\\[d\\]e\\\\f*", text(RedisState.globPrefix(bytes("a*b?c[d]e\\f"))));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, UTF_8);
  }
}
