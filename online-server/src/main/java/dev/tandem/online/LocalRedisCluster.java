package dev.tandem.online;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import redis.clients.jedis.Jedis;

/**
 * A Redis Cluster of {@code masters} real redis-server processes on loopback (no replicas), set
 * up with CLUSTER ADDSLOTS and CLUSTER MEET (no redis-cli needed), for tests and for trying the
 * cluster code paths on one machine. {@link #close()} stops every node by its pid.
 */
public final class LocalRedisCluster implements AutoCloseable {

  private static final int SLOTS = 16384;
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

  private final List<LocalRedis> nodes;

  private LocalRedisCluster(List<LocalRedis> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  public static LocalRedisCluster start(Path workDir, int masters) throws IOException {
    return start(workDir, masters, LocalRedis.binary(workDir));
  }

  static LocalRedisCluster start(Path workDir, int masters, Path binary) throws IOException {
    if (masters < 1) {
      throw new IllegalArgumentException("masters must be >= 1: " + masters);
    }
    List<LocalRedis> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < masters; i++) {
        nodes.add(LocalRedis.start(workDir, binary, true, null));
      }
      for (int i = 0; i < masters; i++) {
        // ADDSLOTS, not ADDSLOTSRANGE: the bundled Redis 6.2 lacks the latter.
        int[] slots = IntStream.range(i * SLOTS / masters, (i + 1) * SLOTS / masters).toArray();
        try (Jedis node = nodes.get(i).admin()) {
          node.clusterAddSlots(slots);
        }
      }
      try (Jedis first = nodes.get(0).admin()) {
        for (LocalRedis other : nodes.subList(1, masters)) {
          first.clusterMeet(LocalRedis.HOST, other.port());
        }
      }
      awaitFormed(nodes);
      return new LocalRedisCluster(nodes);
    } catch (IOException | RuntimeException e) {
      nodes.forEach(LocalRedis::close);
      throw e;
    }
  }

  /** A seed node's address; cluster clients discover the others from it. */
  public String uri() {
    return nodes.get(0).uri();
  }

  public List<Integer> ports() {
    return nodes.stream().map(LocalRedis::port).toList();
  }

  @Override
  public void close() {
    nodes.forEach(LocalRedis::close);
  }

  /** Until every node says cluster_state:ok and knows every other node. */
  private static void awaitFormed(List<LocalRedis> nodes) throws IOException {
    long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
    String known = "cluster_known_nodes:" + nodes.size() + "\r\n";
    String lastInfo = "";
    while (System.nanoTime() < deadline) {
      boolean formed = true;
      for (LocalRedis node : nodes) {
        try (Jedis jedis = node.admin()) {
          lastInfo = "node " + node.uri() + ":\n" + jedis.clusterInfo();
        }
        if (!lastInfo.contains("cluster_state:ok\r\n") || !lastInfo.contains(known)) {
          formed = false;
          break;
        }
      }
      if (formed) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while forming the cluster", e);
      }
    }
    throw new IOException("cluster of " + nodes.size() + " nodes not formed within "
        + FORM_TIMEOUT.toSeconds() + " s; last CLUSTER INFO of " + lastInfo);
  }
}
