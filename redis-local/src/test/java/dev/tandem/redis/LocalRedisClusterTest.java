package dev.tandem.redis;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import redis.clients.jedis.Jedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalRedisClusterTest {

  @Test
  void formsAClusterOfThreeMasters(@TempDir Path dir) throws Exception {
    assertFormed(LocalRedisCluster.start(dir, 3), 3, 0);
  }

  @Test
  void formsAClusterOfThreeMastersWithAReplicaEach(@TempDir Path dir) throws Exception {
    assertFormed(LocalRedisCluster.start(dir, 3, 1), 3, 1);
  }

  @Test
  void formsAClusterWithTheBundledRedis62(@TempDir Path dir) throws Exception {
    assertFormed(LocalRedisCluster.start(dir, 2, LocalRedis.bundledBinary(dir)), 2, 0);
  }

  private static void assertFormed(LocalRedisCluster cluster, int masters, int replicasPerMaster) throws Exception {
    List<Long> pids = new ArrayList<>();
    try (cluster) {
      List<Integer> ports = cluster.ports();
      int nodes = masters * (1 + replicasPerMaster);
      assertEquals(nodes, new HashSet<>(ports).size());
      assertEquals("redis://127.0.0.1:" + ports.get(0), cluster.uri());
      assertEquals(ports.subList(0, masters), cluster.masters().stream().map(LocalRedis::port).toList());
      for (int i = 0; i < nodes; i++) {
        try (Jedis node = LocalRedis.admin(ports.get(i), 5000)) {
          String info = node.clusterInfo();
          assertTrue(info.contains("cluster_state:ok\r\n"), info);
          assertTrue(info.contains("cluster_slots_assigned:16384\r\n"), info);
          assertTrue(info.contains("cluster_known_nodes:" + nodes + "\r\n"), info);
          assertTrue(info.contains("cluster_size:" + masters + "\r\n"), info);
          String replication = node.info("replication");
          if (i < masters) {
            assertTrue(replication.contains("role:master\r\nconnected_slaves:" + replicasPerMaster + "\r\n"), replication);
          } else { // the replicas of master (i - masters) / replicasPerMaster
            assertTrue(replication.contains("role:slave\r\n"), replication);
            assertTrue(replication.contains("master_port:" + ports.get((i - masters) / replicasPerMaster) + "\r\n"), replication);
            assertTrue(replication.contains("master_link_status:up\r\n"), replication);
          }
          assertEquals("2000", node.configGet("cluster-node-timeout").get("cluster-node-timeout"));
          assertEquals("no", node.configGet("cluster-require-full-coverage").get("cluster-require-full-coverage"));
          pids.add(Long.parseLong(node.info("server").split("process_id:")[1].split("\r\n")[0]));
        }
      }
    }
    for (long pid : pids) {
      assertFalse(ProcessHandle.of(pid).map(LocalRedis::isRunning).orElse(false), "pid " + pid);
    }
  }
}
