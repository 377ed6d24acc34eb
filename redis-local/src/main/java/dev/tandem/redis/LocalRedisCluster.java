package dev.tandem.redis;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import redis.clients.jedis.Jedis;

/**
 * A Redis Cluster of real redis-server processes on loopback: {@code masters} masters, each with
 * {@code replicasPerMaster} replicas, set up with CLUSTER ADDSLOTS, MEET and REPLICATE (no
 * redis-cli needed), for tests and for trying the cluster code paths on one machine. A node is
 * deemed dead after 2 s (short, yet long enough for a busy machine), so a dead master's replica
 * takes over within seconds; the other masters keep serving while some slots have no live owner.
 * {@link #close()} stops every node by its pid.
 */
public final class LocalRedisCluster implements AutoCloseable {

  private static final int SLOTS = 16384;
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

  private final List<LocalRedis> masters;
  private final List<List<LocalRedis>> replicas; // per master, in the order of masters

  private LocalRedisCluster(List<LocalRedis> masters, List<List<LocalRedis>> replicas) {
    this.masters = List.copyOf(masters);
    this.replicas = replicas.stream().map(List::copyOf).toList();
  }

  public static LocalRedisCluster start(Path workDir, int masters) throws IOException {
    return start(workDir, masters, 0, LocalRedis.binary(workDir));
  }

  public static LocalRedisCluster start(Path workDir, int masters, int replicasPerMaster) throws IOException {
    return start(workDir, masters, replicasPerMaster, LocalRedis.binary(workDir));
  }

  static LocalRedisCluster start(Path workDir, int masters, Path binary) throws IOException {
    return start(workDir, masters, 0, binary);
  }

  static LocalRedisCluster start(Path workDir, int masters, int replicasPerMaster, Path binary) throws IOException {
    if (masters < 1) {
      throw new IllegalArgumentException("masters must be >= 1: " + masters);
    }
    if (replicasPerMaster < 0) {
      throw new IllegalArgumentException("replicasPerMaster must be >= 0: " + replicasPerMaster);
    }
    List<LocalRedis> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
        nodes.add(LocalRedis.start(workDir, binary, true, null));
      }
      List<LocalRedis> primaries = nodes.subList(0, masters);
      List<List<LocalRedis>> replicas = IntStream.range(0, masters)
          .mapToObj(i -> nodes.subList(masters + i * replicasPerMaster, masters + (i + 1) * replicasPerMaster))
          .toList();
      for (int i = 0; i < masters; i++) {
        // ADDSLOTS, not ADDSLOTSRANGE: the bundled Redis 6.2 lacks the latter.
        int[] slots = IntStream.range(i * SLOTS / masters, (i + 1) * SLOTS / masters).toArray();
        try (Jedis node = primaries.get(i).admin()) {
          node.clusterAddSlots(slots);
        }
      }
      try (Jedis first = nodes.get(0).admin()) {
        for (LocalRedis other : nodes.subList(1, nodes.size())) {
          first.clusterMeet(LocalRedis.HOST, other.port());
        }
      }
      String known = "cluster_known_nodes:" + nodes.size() + "\r\n";
      // With cluster-require-full-coverage off, "ok" does not mean a node knows every slot's owner: wait for that too.
      await(nodes, "formed", jedis -> {
        String info = jedis.clusterInfo();
        return info.contains("cluster_state:ok\r\n") && info.contains(known)
            && info.contains("cluster_slots_assigned:" + SLOTS + "\r\n");
      });
      if (replicasPerMaster > 0) {
        for (int i = 0; i < masters; i++) {
          String masterId;
          try (Jedis master = primaries.get(i).admin()) {
            masterId = master.clusterMyId();
          }
          for (LocalRedis replica : replicas.get(i)) {
            try (Jedis jedis = replica.admin()) {
              jedis.clusterReplicate(masterId);
            }
          }
        }
        // Every node must know the replicas as such (flags "slave" or "myself,slave": the masters
        // vote in a failover), and each replica must have its master's data.
        int replicaCount = masters * replicasPerMaster;
        await(nodes, "replicated", jedis -> jedis.clusterNodes().lines().filter(l -> l.split(" ")[2].contains("slave")).count() == replicaCount
            && (!jedis.info("replication").contains("role:slave") || jedis.info("replication").contains("master_link_status:up")));
      }
      return new LocalRedisCluster(primaries, replicas);
    } catch (IOException | RuntimeException e) {
      nodes.forEach(LocalRedis::close);
      throw e;
    }
  }

  /** A seed node's address; cluster clients discover the others from it. */
  public String uri() {
    return masters.get(0).uri();
  }

  /** The masters' ports, then the replicas'. */
  public List<Integer> ports() {
    return nodes().stream().map(LocalRedis::port).toList();
  }

  /** The masters as started (a failover may since have made one a replica), master i serving slot range i. */
  public List<LocalRedis> masters() {
    return masters;
  }

  /** Once every live replica has every write that its master had when this was called. */
  public void awaitReplicated() throws IOException {
    for (int i = 0; i < masters.size(); i++) {
      long offset;
      try (Jedis master = masters.get(i).admin()) {
        offset = replicationField(master, "master_repl_offset");
      }
      await(replicas.get(i), "replicated up to offset " + offset, replica -> replicationField(replica, "slave_repl_offset") >= offset);
    }
  }

  @Override
  public void close() {
    nodes().forEach(LocalRedis::close);
  }

  private List<LocalRedis> nodes() {
    List<LocalRedis> all = new ArrayList<>(masters);
    replicas.forEach(all::addAll);
    return all;
  }

  private static long replicationField(Jedis jedis, String field) {
    String info = jedis.info("replication");
    return Long.parseLong(info.split(field + ":")[1].split("\r\n")[0]);
  }

  /** Until {@code ready} holds on every node; the last node's CLUSTER INFO and NODES in the error otherwise. */
  private static void await(List<LocalRedis> nodes, String what, Predicate<Jedis> ready) throws IOException {
    long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean done = true;
      for (LocalRedis node : nodes) {
        try (Jedis jedis = node.admin()) {
          if (!ready.test(jedis)) {
            last = "node " + node.uri() + ":\n" + jedis.clusterInfo() + jedis.clusterNodes();
            done = false;
            break;
          }
        }
      }
      if (done) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the cluster", e);
      }
    }
    throw new IOException("cluster of " + nodes.size() + " nodes not " + what + " within "
        + FORM_TIMEOUT.toSeconds() + " s; last seen: " + last);
  }
}
