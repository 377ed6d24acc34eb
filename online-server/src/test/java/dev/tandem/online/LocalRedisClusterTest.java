package dev.tandem.online;

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
    assertFormed(LocalRedisCluster.start(dir, 3), 3);
  }

  @Test
  void formsAClusterWithTheBundledRedis62(@TempDir Path dir) throws Exception {
    assertFormed(LocalRedisCluster.start(dir, 2, LocalRedis.bundledBinary(dir)), 2);
  }

  private static void assertFormed(LocalRedisCluster cluster, int masters) throws Exception {
    List<Long> pids = new ArrayList<>();
    try (cluster) {
      List<Integer> ports = cluster.ports();
      assertEquals(masters, new HashSet<>(ports).size());
      assertEquals("redis://127.0.0.1:" + ports.get(0), cluster.uri());
      for (int port : ports) {
        try (Jedis node = LocalRedis.admin(port, 5000)) {
          String info = node.clusterInfo();
          assertTrue(info.contains("cluster_state:ok\r\n"), info);
          assertTrue(info.contains("cluster_slots_assigned:16384\r\n"), info);
          assertTrue(info.contains("cluster_known_nodes:" + masters + "\r\n"), info);
          assertTrue(info.contains("cluster_size:" + masters + "\r\n"), info);
          pids.add(Long.parseLong(node.info("server").split("process_id:")[1].split("\r\n")[0]));
        }
      }
    }
    for (long pid : pids) {
      assertFalse(ProcessHandle.of(pid).map(LocalRedis::isRunning).orElse(false), "pid " + pid);
    }
  }
}
