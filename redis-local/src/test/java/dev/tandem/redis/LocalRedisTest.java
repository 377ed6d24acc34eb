package dev.tandem.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import redis.clients.jedis.Jedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalRedisTest {

  @Test
  void startsARealServerAndStopsItByPid(@TempDir Path dir) throws Exception {
    LocalRedis redis = LocalRedis.start(dir);
    try (Jedis jedis = redis.admin()) {
      assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
      assertEquals("PONG", jedis.ping());
      String info = jedis.info("server");
      assertTrue(info.contains("process_id:" + redis.pid() + "\r\n"), info);
      assertTrue(info.contains("tcp_port:" + redis.port() + "\r\n"), info);
      assertEquals("", jedis.configGet("save").get("save"));
      assertEquals("no", jedis.configGet("appendonly").get("appendonly"));
    }
    assertTrue(Files.exists(dir.resolve("redis-" + redis.port() + ".pid")));

    redis.close();
    assertFalse(ProcessHandle.of(redis.pid()).map(LocalRedis::isRunning).orElse(false));
    assertThrows(IOException.class, () -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", redis.port()), 1000);
      }
    });
    redis.close(); // a second close is a no-op
  }

  @Test
  void aTlsServerHasNoPlainPort(@TempDir Path dir) throws Exception {
    try (LocalRedis redis = LocalRedis.startTls(dir); Jedis jedis = redis.admin()) {
      assertEquals("rediss://127.0.0.1:" + redis.port(), redis.uri());
      assertTrue(Files.readString(redis.caFile()).startsWith("-----BEGIN CERTIFICATE-----"));
      assertEquals("0", jedis.configGet("port").get("port"));
      assertEquals(Integer.toString(redis.port()), jedis.configGet("tls-port").get("tls-port"));
      assertTrue(jedis.info("server").contains("process_id:" + redis.pid() + "\r\n"));
    }
  }

  @Test
  void twoServersInOneFolderGetTheirOwnPorts(@TempDir Path dir) throws Exception {
    try (LocalRedis a = LocalRedis.start(dir); LocalRedis b = LocalRedis.start(dir)) {
      assertNotEquals(a.port(), b.port());
      assertNotEquals(a.pid(), b.pid());
    }
  }

  @Test
  void aPortTakenBeforeRedisBindsItIsRecognised(@TempDir Path dir) throws Exception {
    // The race start() retries on: the port was free when picked, then someone else bound it.
    try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = squatter.getLocalPort();
      LocalRedis.PortTaken taken = assertThrows(LocalRedis.PortTaken.class,
          () -> LocalRedis.launch(dir.toAbsolutePath(), LocalRedis.binary(dir), port, false, null));
      assertTrue(taken.getMessage().contains("127.0.0.1:" + port), taken.getMessage());
    }
  }

  @Test
  void runsTheBinaryBundledInEmbeddedRedis(@TempDir Path dir) throws Exception {
    try (LocalRedis redis = LocalRedis.start(dir, LocalRedis.bundledBinary(dir), false, null);
         Jedis jedis = redis.admin()) {
      String info = jedis.info("server");
      assertTrue(info.contains("redis_version:6.2."), info);
      assertTrue(info.contains("process_id:" + redis.pid() + "\r\n"), info);
    }
  }

  @Test
  void aBinaryThatFailsIsReportedWithItsLog(@TempDir Path dir) throws Exception {
    Path fake = dir.resolve("fake-redis-server");
    Files.writeString(fake, "#!/bin/sh\necho 'fatal: no such flag' >&2\nexit 3\n");
    assertTrue(fake.toFile().setExecutable(true));

    IOException error = assertThrows(IOException.class, () -> LocalRedis.start(dir, fake, false, null));
    assertTrue(error.getMessage().contains(fake.toString()), error.getMessage());
    assertTrue(error.getMessage().contains("exited with status 3"), error.getMessage());
    assertTrue(error.getMessage().contains("fatal: no such flag"), error.getMessage());
    assertTrue(error.getMessage().contains(".log"), error.getMessage());
  }
}
