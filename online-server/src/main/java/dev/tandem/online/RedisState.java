package dev.tandem.online;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.util.Pool;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The online state store: one thread-safe client over a standalone Redis or a Redis Cluster,
 * binary keys and values.
 *
 * <p>The batched calls ({@link #getAll}, {@link #setAll}, {@link #compareAndSetAll}) cost one
 * pipelined round trip per node that owns some of the keys, the nodes queried in parallel. In a
 * cluster a multi-key command (MGET, MSET, UNLINK) only ever holds keys of one slot, grouped here
 * with the cluster's CRC16; a standalone server gets one command for the whole batch.
 *
 * <p>In a cluster, a node that answers MOVED or cannot be reached has the slot map renewed: after
 * a failover (a dead master's replica promoted) or a reshard the next call goes to the new owner.
 * Until a dead master's replica takes over, calls touching its slots fail within the timeout, calls
 * touching other slots go on. Batches that may run twice are retried once at once where the
 * renewed map sends them; the others fail and the next call uses the new map. ASK (a slot being
 * migrated) is followed for single-key commands only.
 */
public final class RedisState implements AutoCloseable {

  /** One compare-and-set: {@code expected} null = the key must be absent; {@code value} null = delete it. */
  public record Cas(byte[] key, byte[] expected, byte[] value) {
    public Cas {
      Objects.requireNonNull(key, "key");
    }
  }

  // KEYS[1]; ARGV[1]: SHA-1 hex of the expected value, '' = must be absent; ARGV[2]: the new value, none = delete.
  // Hashes, not values, are compared so that a large expected value does not travel twice.
  private static final byte[] CAS_SCRIPT = """
      local current = redis.call('GET', KEYS[1])
      local seen = current and redis.sha1hex(current) or ''
      if seen ~= ARGV[1] then return 0 end
      if #ARGV == 2 then redis.call('SET', KEYS[1], ARGV[2]) else redis.call('DEL', KEYS[1]) end
      return 1
      """.getBytes(UTF_8);
  private static final byte[] CAS_SHA = sha1Hex(CAS_SCRIPT);
  // KEYS[1]: the set of counted ids, KEYS[2]: the sorted set (one slot: a shared hash tag); ARGV[1]: the id, ARGV[2]: the member.
  // The id and the count change together or not at all, so a retried event is never counted twice.
  private static final byte[] COUNT_ONCE_SCRIPT = """
      if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
      redis.call('ZINCRBY', KEYS[2], 1, ARGV[2])
      return 1
      """.getBytes(UTF_8);
  private static final byte[] COUNT_ONCE_SHA = sha1Hex(COUNT_ONCE_SCRIPT);
  // KEYS[1]: a hash; ARGV: field, value pairs. Each field is raised to its value, never lowered.
  private static final byte[] RAISE_SCRIPT = """
      for i = 1, #ARGV, 2 do
        local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '-1')
        if tonumber(ARGV[i + 1]) > current then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
      end
      return 1
      """.getBytes(UTF_8);
  private static final byte[] RAISE_SHA = sha1Hex(RAISE_SCRIPT);
  private static final int SCAN_COUNT = 1000;
  // Whether a batch may run twice (MGET, MSET, ZADD, raising): then it is retried once after its
  // slots moved. Not so for a compare-and-set, a count or a log append, whose second run would
  // answer or append differently.
  private static final boolean REPEATABLE = true;
  private static final boolean ONCE = false;

  private final UnifiedJedis client;                // single-key commands (follows MOVED in a cluster)
  private final HostAndPort server;                 // the standalone server, or the seed that answered
  private final Pool<Connection> serverPool;        // null in a cluster
  private final ClusterConnectionProvider cluster;  // null on a standalone server
  private final ExecutorService nodeWorkers;        // null on a standalone server

  private RedisState(RedisClient standalone, HostAndPort server) {
    this.client = standalone;
    this.server = server;
    this.serverPool = standalone.getPool();
    this.cluster = null;
    this.nodeWorkers = null;
  }

  private RedisState(RedisClusterClient client, ClusterConnectionProvider cluster, HostAndPort seed) {
    this.client = client;
    this.server = seed;
    this.serverPool = null;
    this.cluster = cluster;
    this.nodeWorkers = Executors.newFixedThreadPool(Math.max(1, cluster.getPrimaryNodes().size()), task -> {
      Thread thread = new Thread(task, "tandem-redis-node");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * How to connect. {@code caFile}: a PEM file of the CA certificate(s) that a TLS server's
   * certificate must chain to (a private CA); null: the JVM's default trust store. Only for
   * {@code rediss://}. {@code poolSize}: connections per node (a call holds one per node it
   * touches, so at least the number of threads calling at once). {@code timeout} bounds each wait:
   * for a free pooled connection, to connect, for a reply; and a cluster's retries of a single-key
   * command altogether. A call past it fails with a {@link JedisException}.
   */
  public record Options(Path caFile, int poolSize, Duration timeout) {
    /** No CA file, Jedis's defaults: 8 connections per node, 2 s. */
    public static final Options DEFAULTS = new Options(null, 8, Duration.ofSeconds(2));

    public Options {
      if (poolSize < 1) {
        throw new IllegalArgumentException("poolSize must be at least 1: " + poolSize);
      }
      if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("timeout must be positive and at most " + Integer.MAX_VALUE + " ms: " + timeout);
      }
    }
  }

  /** {@link #connect(String, Options)} with {@link Options#DEFAULTS}. */
  public static RedisState connect(String uri) {
    return connect(uri, Options.DEFAULTS);
  }

  /**
   * Connects to {@code redis[s]://[user:password@]host:port}: a cluster node (INFO cluster says
   * so) seeds a cluster client. A cluster may be given several seed nodes, comma-separated, as
   * Jedis's cluster client takes a set of them: {@code redis://user:password@h1:p1,h2:p2,h3:p3};
   * any that answers is asked for the cluster's nodes and slots (and, later, for the new map after
   * a failover), so a seed that is down at start-up does not stop the connect. {@code rediss://} is TLS; the server's certificate must
   * name the host (an IP address: as a subject alternative name) and chain to
   * {@code options.caFile()} or to a CA of the JVM's trust store.
   */
  public static RedisState connect(String uri, Options options) {
    List<URI> parsed = parse(uri);
    Set<HostAndPort> seeds = new LinkedHashSet<>();
    parsed.forEach(one -> seeds.add(new HostAndPort(one.getHost(), one.getPort() == -1 ? 6379 : one.getPort())));
    JedisClientConfig config = clientConfig(parsed.get(0), options);
    HostAndPort reached = null;
    boolean clustered = false;
    List<String> failures = new ArrayList<>();
    JedisConnectionException firstFailure = null;
    for (HostAndPort seed : seeds) {
      try (Jedis probe = new Jedis(seed, config)) {
        clustered = probe.info("cluster").contains("cluster_enabled:1");
        reached = seed;
        break;
      } catch (JedisConnectionException e) {
        failures.add(seed + ": " + reason(e, uri));
        firstFailure = firstFailure == null ? e : firstFailure;
      }
    }
    if (reached == null) {
      throw new JedisConnectionException("cannot connect to Redis at " + redacted(uri) + ": " + String.join("; ", failures),
          firstFailure);
    }
    if (!clustered) {
      if (seeds.size() > 1) {
        throw new IllegalArgumentException("several hosts are seeds of a Redis Cluster, but " + reached
            + " is a standalone server: " + redacted(uri));
      }
      return new RedisState(RedisClient.builder().hostAndPort(reached).clientConfig(config).poolConfig(poolConfig(options))
          .build(), reached);
    }
    // Our own provider: batches need the slot -> node map and per-node connections.
    ClusterConnectionProvider provider = new ClusterConnectionProvider(seeds, config, poolConfig(options));
    RedisClusterClient client = RedisClusterClient.builder()
        .nodes(seeds)
        .clientConfig(config)
        .connectionProvider(provider)
        .maxTotalRetriesDuration(options.timeout())
        .build();
    return new RedisState(client, provider, reached);
  }

  /** Why a connection failed, with a hint for the usual TLS mistakes. */
  private static String reason(JedisConnectionException e, String uri) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLException tls) {
        return "TLS handshake failed (" + tls.getMessage() + "); if the server's certificate is from a private CA,"
            + " give that CA's PEM file (redis-ca-file)";
      }
    }
    // A TLS server drops a connection that does not start with a TLS handshake: a reset or an end of stream.
    String message = String.valueOf(e.getMessage());
    boolean dropped = message.contains("Connection reset") || message.contains("Unexpected end of stream");
    return message + (uri.startsWith("redis:") && dropped ? " (the server closed the connection: does it want TLS, rediss://?)" : "");
  }

  /** The values of {@code keys}, in their order; null where a key is missing. */
  public List<byte[]> getAll(List<byte[]> keys) {
    byte[][] values = new byte[keys.size()][];
    onOwners(keys, REPEATABLE, (pipeline, slots) -> {
      List<Response<List<byte[]>>> replies = new ArrayList<>();
      for (List<Integer> slot : slots) {
        replies.add(pipeline.mget(select(keys, slot)));
      }
      pipeline.sync();
      for (int s = 0; s < slots.size(); s++) {
        List<byte[]> found = replies.get(s).get();
        for (int i = 0; i < found.size(); i++) {
          values[slots.get(s).get(i)] = found.get(i);
        }
      }
    });
    return Collections.unmodifiableList(Arrays.asList(values));
  }

  /**
   * Sets every entry (bulk loading). Keys are taken by reference: a map keyed by byte[] compares
   * keys by identity. One call is one pipeline per node, so callers split very large loads.
   */
  public void setAll(Map<byte[], byte[]> entries) {
    List<byte[]> keys = new ArrayList<>(entries.size());
    List<byte[]> values = new ArrayList<>(entries.size());
    entries.forEach((key, value) -> {
      keys.add(Objects.requireNonNull(key, "key"));
      values.add(Objects.requireNonNull(value, "value"));
    });
    onOwners(keys, REPEATABLE, (pipeline, slots) -> {
      List<Response<String>> replies = new ArrayList<>();
      for (List<Integer> slot : slots) {
        byte[][] keysAndValues = new byte[2 * slot.size()][];
        for (int i = 0; i < slot.size(); i++) {
          keysAndValues[2 * i] = keys.get(slot.get(i));
          keysAndValues[2 * i + 1] = values.get(slot.get(i));
        }
        replies.add(pipeline.mset(keysAndValues));
      }
      pipeline.sync();
      replies.forEach(Response::get); // throws a server error, if any
    });
  }

  /** A sorted set member's score, set to an absolute value. */
  public record Score(byte[] key, String member, long score) {}

  /** Sets every score (ZADD): idempotent, so a retried writer cannot count twice. One pipeline per node. */
  public void setScores(List<Score> scores) {
    onOwners(scores.stream().map(Score::key).toList(), REPEATABLE, (pipeline, slots) -> {
      List<Response<Long>> replies = new ArrayList<>();
      for (List<Integer> slot : slots) {
        for (int index : slot) {
          Score score = scores.get(index);
          replies.add(pipeline.zadd(score.key(), score.score(), score.member().getBytes(StandardCharsets.UTF_8)));
        }
      }
      pipeline.sync();
      replies.forEach(Response::get);
    });
  }

  /**
   * One count of {@code member} in {@code counts}, made once per {@code id}: {@code ids} remembers
   * the ids counted. Both keys must share a slot (a hash tag).
   */
  public record CountOnce(byte[] ids, byte[] counts, String id, String member) {}

  /** Applies every count whose id was not counted before; returns how many were counted. */
  public long countOnce(List<CountOnce> counts) {
    long[] counted = {0};
    onOwners(counts.stream().map(CountOnce::ids).toList(), ONCE, (pipeline, slots) -> {
      List<Integer> indices = slots.stream().flatMap(List::stream).toList();
      List<Object> replies = evalAll(pipeline, COUNT_ONCE_SCRIPT, COUNT_ONCE_SHA, indices.stream().map(i -> {
        CountOnce c = counts.get(i);
        return List.of(List.of(c.ids(), c.counts()), List.of(c.id().getBytes(UTF_8), c.member().getBytes(UTF_8)));
      }).toList());
      long n = replies.stream().filter(Long.valueOf(1)::equals).count();
      synchronized (counted) {
        counted[0] += n;
      }
    });
    return counted[0];
  }

  /** Raises each field of the hash {@code key} to its value (never lowers it), atomically. */
  public void raise(byte[] key, Map<String, Long> values) {
    if (values.isEmpty()) {
      return;
    }
    List<byte[]> args = new ArrayList<>();
    values.forEach((field, value) -> {
      args.add(field.getBytes(UTF_8));
      args.add(Long.toString(value).getBytes(UTF_8));
    });
    onOwners(List.of(key), REPEATABLE, (pipeline, slots) -> evalAll(pipeline, RAISE_SCRIPT, RAISE_SHA, List.of(List.of(List.of(key), args))));
  }

  /** The fields and values of the hash {@code key} (empty when absent). */
  public Map<String, String> hash(byte[] key) {
    Map<String, String> out = new LinkedHashMap<>();
    client.hgetAll(key).forEach((k, v) -> out.put(new String(k, UTF_8), new String(v, UTF_8)));
    return out;
  }

  /** One entry of an {@link #appendLog append-only log} (a Redis stream): its id and fields. */
  public record LogEntry(String id, Map<String, String> fields) {}

  /** Appends entries to the stream {@code key} (XADD, one pipeline); returns their stream ids, in order. */
  public List<String> appendLog(byte[] key, List<Map<String, String>> entries) {
    List<String> ids = new ArrayList<>();
    String name = new String(key, UTF_8);
    onOwners(List.of(key), ONCE, (pipeline, slots) -> {
      List<Response<redis.clients.jedis.StreamEntryID>> replies = new ArrayList<>();
      for (Map<String, String> entry : entries) {
        replies.add(pipeline.xadd(name, redis.clients.jedis.params.XAddParams.xAddParams(), entry));
      }
      pipeline.sync();
      replies.forEach(r -> ids.add(r.get().toString()));
    });
    return ids;
  }

  /** Up to {@code count} entries of the stream {@code key} after stream id {@code after} ("0-0": from the start), oldest first. */
  public List<LogEntry> readLog(byte[] key, String after, int count) {
    return client.xrange(new String(key, UTF_8), "(" + after, "+", count).stream()
        .map(e -> new LogEntry(e.getID().toString(), e.getFields())).toList();
  }

  /** Removes the entries of stream {@code key} whose ids are below {@code minId} (XTRIM MINID); returns how many. */
  public long trimLog(byte[] key, String minId) {
    return client.xtrim(new String(key, UTF_8), redis.clients.jedis.params.XTrimParams.xTrimParams().minId(minId));
  }

  /** Every member of each sorted set with its score (empty for a missing key), one pipeline per node. */
  public List<Map<String, Double>> scores(List<byte[]> keys) {
    List<Map<String, Double>> out = new ArrayList<>(Collections.nCopies(keys.size(), Map.of()));
    onOwners(keys, REPEATABLE, (pipeline, slots) -> {
      Map<Integer, Response<List<redis.clients.jedis.resps.Tuple>>> replies = new LinkedHashMap<>();
      for (List<Integer> slot : slots) {
        for (int index : slot) {
          replies.put(index, pipeline.zrangeWithScores(keys.get(index), 0, -1));
        }
      }
      pipeline.sync();
      replies.forEach((index, reply) -> {
        Map<String, Double> members = new LinkedHashMap<>();
        reply.get().forEach(t -> members.put(t.getElement(), t.getScore()));
        synchronized (out) {
          out.set(index, members);
        }
      });
    });
    return out;
  }

  /** Per op, whether it applied; each op is atomic on its key, the ops are not atomic together. */
  public List<Boolean> compareAndSetAll(List<Cas> ops) {
    Boolean[] applied = new Boolean[ops.size()];
    onOwners(ops.stream().map(Cas::key).toList(), ONCE, (pipeline, slots) -> {
      List<Integer> indices = slots.stream().flatMap(List::stream).toList();
      List<Object> replies = evalAll(pipeline, CAS_SCRIPT, CAS_SHA,
          indices.stream().map(i -> List.of(List.of(ops.get(i).key()), casArgs(ops.get(i)))).toList());
      for (int i = 0; i < indices.size(); i++) {
        applied[indices.get(i)] = Long.valueOf(1).equals(replies.get(i));
      }
    });
    return List.of(applied);
  }

  /**
   * Runs {@code script} once per call (keys, then arguments) in {@code pipeline}, by its SHA-1 and,
   * where the node lacks it (first use, restart, SCRIPT FLUSH), by its text; the replies in order.
   */
  private static List<Object> evalAll(Pipeline pipeline, byte[] script, byte[] sha, List<List<List<byte[]>>> calls) {
    List<Response<Object>> replies = new ArrayList<>();
    for (List<List<byte[]>> call : calls) {
      replies.add(pipeline.evalsha(sha, call.get(0), call.get(1)));
    }
    pipeline.sync();
    Object[] out = new Object[calls.size()];
    List<Integer> unloaded = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      try {
        out[i] = replies.get(i).get();
      } catch (JedisNoScriptException e) {
        unloaded.add(i);
      }
    }
    if (!unloaded.isEmpty()) {
      List<Response<Object>> retried = new ArrayList<>();
      for (int i : unloaded) {
        retried.add(pipeline.eval(script, calls.get(i).get(0), calls.get(i).get(1)));
      }
      pipeline.sync();
      for (int i = 0; i < unloaded.size(); i++) {
        out[unloaded.get(i)] = retried.get(i).get();
      }
    }
    return Arrays.asList(out);
  }

  public byte[] get(byte[] key) {
    return client.get(key);
  }

  public void set(byte[] key, byte[] value) {
    client.set(key, value);
  }

  /** Whether the key existed. */
  public boolean delete(byte[] key) {
    return client.del(key) > 0;
  }

  public long incrBy(byte[] key, long n) {
    return client.incrBy(key, n);
  }

  /** Every key that starts with {@code prefix}, over every master. */
  public List<byte[]> scanKeys(byte[] prefix) {
    List<byte[]> keys = new ArrayList<>();
    onMasters(jedis -> {
      Set<ByteBuffer> seen = new HashSet<>(); // SCAN may return a key twice
      scan(jedis, prefix, page -> {
        for (byte[] key : page) {
          if (seen.add(ByteBuffer.wrap(key))) {
            keys.add(key);
          }
        }
      });
    });
    return keys;
  }

  /** Unlinks every key that starts with {@code prefix}; returns how many were removed. */
  public long deleteByPrefix(byte[] prefix) {
    long[] deleted = {0};
    onMasters(jedis -> scan(jedis, prefix, page -> {
      List<Response<Long>> replies = new ArrayList<>();
      Pipeline pipeline = jedis.pipelined();
      for (List<Integer> slot : slotGroups(page)) {
        replies.add(pipeline.unlink(select(page, slot)));
      }
      pipeline.sync();
      deleted[0] += replies.stream().mapToLong(Response::get).sum();
    }));
    return deleted[0];
  }

  /** INFO memory's used_memory, summed over the masters. */
  public long usedMemory() {
    long[] total = {0};
    onMasters(jedis -> total[0] += infoField(jedis.info("memory"), "used_memory"));
    return total[0];
  }

  /** "PONG" once every master answered it. */
  public String ping() {
    onMasters(jedis -> {
      String reply = jedis.ping();
      if (!"PONG".equals(reply)) {
        throw new JedisException("PING to " + jedis.getConnection().getHostAndPort() + " answered " + reply);
      }
    });
    return "PONG";
  }

  @Override
  public void close() {
    if (nodeWorkers != null) {
      nodeWorkers.shutdownNow();
    }
    client.close(); // closes the connection provider and its pools
  }

  /** What a batch does on one node: append commands to the pipeline, sync, read the replies. */
  private interface NodeBatch {
    void run(Pipeline pipeline, List<List<Integer>> slotsOfKeyIndices);
  }

  /**
   * Runs {@code batch} once per node owning some of {@code keys}: other nodes on the workers, the
   * first one here. A {@link #REPEATABLE} batch whose nodes failed with MOVED or a connection
   * failure is run once more, right away, where the renewed slot map now sends those slots, if
   * that is elsewhere for all of them (a failover promoted a replica, or the slots were moved).
   */
  private void onOwners(List<byte[]> keys, boolean repeatable, NodeBatch batch) {
    if (keys.isEmpty()) {
      return;
    }
    Map<HostAndPort, List<List<Integer>>> byNode = new LinkedHashMap<>();
    for (List<Integer> slot : slotGroups(keys)) {
      byNode.computeIfAbsent(owner(keys.get(slot.get(0))), node -> new ArrayList<>()).add(slot);
    }
    Map<HostAndPort, RuntimeException> failed = runAll(byNode, batch);
    if (repeatable && !failed.isEmpty() && failed.values().stream().allMatch(this::rerouted)) {
      Map<HostAndPort, List<List<Integer>>> moved = new LinkedHashMap<>();
      for (HostAndPort node : failed.keySet()) {
        for (List<Integer> slot : byNode.get(node)) {
          HostAndPort now = cluster.getNode(JedisClusterCRC16.getSlot(keys.get(slot.get(0))));
          moved.computeIfAbsent(now, n -> new ArrayList<>()).add(slot);
        }
      }
      if (!moved.containsKey(null) && Collections.disjoint(moved.keySet(), failed.keySet())) {
        failed = runAll(moved, batch);
      }
    }
    if (!failed.isEmpty()) {
      Iterator<RuntimeException> failures = failed.values().iterator();
      RuntimeException first = failures.next();
      failures.forEachRemaining(first::addSuppressed);
      throw first;
    }
  }

  /** Runs each node's share of the batch, in parallel; the failures by node. */
  private Map<HostAndPort, RuntimeException> runAll(Map<HostAndPort, List<List<Integer>>> byNode, NodeBatch batch) {
    List<Map.Entry<HostAndPort, List<List<Integer>>>> work = new ArrayList<>(byNode.entrySet());
    Map<HostAndPort, Future<?>> others = new LinkedHashMap<>();
    for (var entry : work.subList(1, work.size())) {
      others.put(entry.getKey(), nodeWorkers.submit(() -> runOn(entry.getKey(), entry.getValue(), batch)));
    }
    Map<HostAndPort, RuntimeException> failed = new LinkedHashMap<>();
    try {
      runOn(work.get(0).getKey(), work.get(0).getValue(), batch);
    } catch (RuntimeException e) {
      failed.put(work.get(0).getKey(), e);
    }
    for (var other : others.entrySet()) {
      try {
        other.getValue().get();
      } catch (ExecutionException e) {
        failed.put(other.getKey(), e.getCause() instanceof RuntimeException r ? r : new JedisException(e.getCause()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JedisException("interrupted while waiting for Redis nodes", e);
      }
    }
    return failed;
  }

  private void runOn(HostAndPort node, List<List<Integer>> slots, NodeBatch batch) {
    // Closing the pipeline first reads any reply left unread, so the connection goes back clean.
    try (Connection connection = connection(node); Pipeline pipeline = new Pipeline(connection)) {
      batch.run(pipeline, slots);
    } catch (JedisMovedDataException | JedisConnectionException e) {
      if (cluster != null) {
        // The node gave its slots away, or is unreachable (dead, or failed over): ask the cluster.
        cluster.renewSlotCache();
      }
      throw e;
    }
  }

  /** Whether {@code e}, a node's failure, had the slot map renewed (see {@link #runOn}). */
  private boolean rerouted(RuntimeException e) {
    return cluster != null && (e instanceof JedisMovedDataException || e instanceof JedisConnectionException);
  }

  /** Indices of {@code keys} grouped by hash slot; a single group on a standalone server. */
  private List<List<Integer>> slotGroups(List<byte[]> keys) {
    if (cluster == null) {
      return List.of(IntStream.range(0, keys.size()).boxed().toList());
    }
    Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(keys.get(i)), slot -> new ArrayList<>()).add(i);
    }
    return new ArrayList<>(bySlot.values());
  }

  private HostAndPort owner(byte[] key) {
    if (cluster == null) {
      return server;
    }
    int slot = JedisClusterCRC16.getSlot(key);
    HostAndPort node = cluster.getNode(slot);
    if (node == null) {
      cluster.renewSlotCache();
      node = cluster.getNode(slot);
    }
    if (node == null) {
      throw new JedisClusterOperationException("no node serves slot " + slot);
    }
    return node;
  }

  /** A pooled connection to {@code node} (any node: the server, when standalone). */
  Connection connection(HostAndPort node) {
    return cluster == null ? serverPool.getResource() : cluster.getConnection(node);
  }

  /** Runs {@code work} on every master in turn (maintenance calls, not the request path). */
  private void onMasters(Consumer<Jedis> work) {
    List<HostAndPort> masters = cluster == null
        ? List.of(server)
        : cluster.getPrimaryNodes().keySet().stream().map(HostAndPort::from).toList();
    for (HostAndPort node : masters) {
      try (Jedis jedis = new Jedis(connection(node))) {
        work.accept(jedis);
      }
    }
  }

  private static void scan(Jedis jedis, byte[] prefix, Consumer<List<byte[]>> pages) {
    ScanParams params = new ScanParams().match(globPrefix(prefix)).count(SCAN_COUNT);
    byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
    ScanResult<byte[]> page;
    do {
      page = jedis.scan(cursor, params);
      if (!page.getResult().isEmpty()) {
        pages.accept(page.getResult());
      }
      cursor = page.getCursorAsBytes();
    } while (!page.isCompleteIteration());
  }

  /** {@code prefix*} as a SCAN MATCH pattern, the prefix's glob characters escaped. */
  static byte[] globPrefix(byte[] prefix) {
    ByteBuffer pattern = ByteBuffer.allocate(2 * prefix.length + 1);
    for (byte b : prefix) {
      if (b == '*' || b == '?' || b == '[' || b == ']' || b == '\\') {
        pattern.put((byte) '\\');
      }
      pattern.put(b);
    }
    pattern.put((byte) '*');
    return Arrays.copyOf(pattern.array(), pattern.position());
  }

  private static byte[][] select(List<byte[]> keys, List<Integer> indices) {
    return indices.stream().map(keys::get).toArray(byte[][]::new);
  }

  private static List<byte[]> casArgs(Cas op) {
    byte[] expected = op.expected() == null ? new byte[0] : sha1Hex(op.expected());
    return op.value() == null ? List.of(expected) : List.of(expected, op.value());
  }

  private static long infoField(String info, String field) {
    for (String line : info.split("\r\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    throw new JedisException("INFO has no " + field);
  }

  /**
   * How to talk to the server of {@code uri}: RESP2 (not Jedis 8's default RESP3: the maintenance
   * calls wrap pooled connections in the legacy Jedis class, whose reply parsers assume RESP2);
   * the ACL user and password of {@code redis://user:password@host:port} ({@code :password@}:
   * the default user), percent-decoded; TLS for {@code rediss://}, trusting {@code options.caFile()}
   * if given (Jedis verifies the host name against the certificate).
   */
  private static JedisClientConfig clientConfig(URI parsed, Options options) {
    boolean tls = "rediss".equals(parsed.getScheme());
    int timeoutMillis = (int) options.timeout().toMillis();
    DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP2).ssl(tls)
        .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis);
    if (options.caFile() != null) {
      if (!tls) {
        throw new IllegalArgumentException("a CA file (" + options.caFile() + ") is for TLS: rediss://, got "
            + redacted(parsed.toString()));
      }
      config.sslSocketFactory(trusting(options.caFile()));
    }
    String userInfo = parsed.getUserInfo(); // decoded
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
      if (!user.isEmpty()) {
        config.user(user);
      }
      if (colon >= 0) {
        config.password(userInfo.substring(colon + 1));
      }
    }
    return config.build();
  }

  /** {@code poolSize} connections per node; a call waits at most the timeout for one (the default: forever). */
  private static ConnectionPoolConfig poolConfig(Options options) {
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(options.poolSize());
    pool.setMaxIdle(options.poolSize());
    pool.setMaxWait(options.timeout());
    return pool;
  }

  /** TLS sockets that trust exactly the CA certificates of the PEM file {@code caFile}. */
  static SSLSocketFactory trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      Collection<? extends Certificate> cas = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (cas.isEmpty()) {
        throw new IllegalArgumentException("the CA file " + caFile + " holds no PEM certificate");
      }
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int n = 0;
      for (Certificate ca : cas) {
        trusted.setCertificateEntry("ca-" + n++, ca);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the CA file " + caFile + ": " + e, e);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("the CA file " + caFile + " is not PEM certificates: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS with the CA file " + caFile + ": " + e, e);
    }
  }

  /**
   * One URI per host of {@code uri}: {@code scheme://[userinfo@]h1:p1,h2:p2} is
   * {@code scheme://[userinfo@]h1:p1} and {@code scheme://[userinfo@]h2:p2}.
   */
  private static List<URI> parse(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      throw badUri(uri);
    }
    int start = scheme + 3;
    int end = start;
    while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
      end++;
    }
    String authority = uri.substring(start, end);
    int at = authority.lastIndexOf('@'); // a password's own '@' is percent-encoded
    List<URI> out = new ArrayList<>();
    for (String host : authority.substring(at + 1).split(",", -1)) {
      out.add(parseOne(uri.substring(0, start) + authority.substring(0, at + 1) + host + uri.substring(end), uri));
    }
    return out;
  }

  private static URI parseOne(String one, String uri) {
    URI parsed;
    try {
      parsed = new URI(one);
    } catch (java.net.URISyntaxException e) {
      throw badUri(uri);
    }
    boolean plain = parsed.getQuery() == null && parsed.getFragment() == null
        && (parsed.getPath() == null || parsed.getPath().isEmpty() || parsed.getPath().equals("/"));
    if (!("redis".equals(parsed.getScheme()) || "rediss".equals(parsed.getScheme())) || parsed.getHost() == null || !plain) {
      throw badUri(uri);
    }
    return parsed;
  }

  private static IllegalArgumentException badUri(String uri) {
    return new IllegalArgumentException("expected redis://[user:password@]host:port or rediss://..., got " + redacted(uri));
  }

  /** The URI with its password replaced by {@code ***}, for messages and logs. */
  public static String redacted(String uri) {
    return uri == null ? null : uri.replaceFirst("^([a-z]+://[^:@/]*:)[^@/]*@", "$1***@");
  }

  /** Lowercase hex, as Lua's redis.sha1hex gives it. */
  private static byte[] sha1Hex(byte[] data) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(data);
      return HexFormat.of().formatHex(digest).getBytes(US_ASCII);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
  }
}
