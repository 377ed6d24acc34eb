package dev.tandem.online.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings: defaults, then a file, then the environment, then options; bad values name their key and source. */
class ServerConfigTest {
  @TempDir Path dir;

  @Test
  void defaults() {
    ServerConfig c = ServerConfig.of(Map.of());
    assertThat(c.bind(), is("127.0.0.1"));
    assertThat(c.port(), is(8080));
    assertThat(c.maxBodyBytes(), is(1L << 20));
    assertThat(c.maxCandidates(), is(1000));
    assertThat(c.maxN(), is(1000));
    assertThat(c.timeoutMs(), is(100L));
    assertThat(c.writeTimeoutMs(), is(10_000L));
    assertThat(c.maxFutureSkewMs(), is(300_000L));
    assertThat(c.workers() >= 4, is(true));
  }

  @Test
  void laterSourcesWin() throws Exception {
    Path file = Files.writeString(dir.resolve("serve.properties"),
        "port=9000\nworkers=3\nmax-candidates=50\nredis=redis://file:1\n");
    Map<String, String> env = Map.of("TANDEM_WORKERS", "5", "TANDEM_MAX_BODY_BYTES", "4096", "TANDEM_TIMEOUT_MS", "250",
        "TANDEM_PORT", "9100", "UNRELATED", "x");
    Map<String, String> options = new HashMap<>();
    options.put("port", "9200");
    options.put("bind", null); // an option not given
    ServerConfig c = ServerConfig.load(file, env, options);
    assertThat(c.port(), is(9200));            // option
    assertThat(c.workers(), is(5));            // environment over file
    assertThat(c.maxBodyBytes(), is(4096L));   // environment
    assertThat(c.timeoutMs(), is(250L));
    assertThat(c.maxCandidates(), is(50));     // file
    assertThat(c.redis(), is("redis://file:1"));
    assertThat(c.bind(), is("127.0.0.1"));     // default
  }

  @Test
  void jsonFiles() throws Exception {
    Path file = Files.writeString(dir.resolve("serve.json"), "{\"max-n\": 20, \"bind\": \"0.0.0.0\", \"max-future-skew-ms\": 0}");
    ServerConfig c = ServerConfig.load(file, Map.of(), Map.of());
    assertThat(c.maxN(), is(20));
    assertThat(c.bind(), is("0.0.0.0"));
    assertThat(c.maxFutureSkewMs(), is(0L));
  }

  @Test
  void badSettingsNameTheKeyAndWhereItCameFrom() throws Exception {
    ServerConfig.ConfigException e = assertThrows(ServerConfig.ConfigException.class,
        () -> ServerConfig.load(null, Map.of("TANDEM_MAX_CANDIDATES", "lots"), Map.of()));
    assertThat(e.getMessage(), containsString("max-candidates (from environment variable TANDEM_MAX_CANDIDATES): 'lots'"));
    Path unknown = Files.writeString(dir.resolve("bad.properties"), "colour=red\n");
    e = assertThrows(ServerConfig.ConfigException.class, () -> ServerConfig.load(unknown, Map.of(), Map.of()));
    assertThat(e.getMessage(), containsString("unknown setting 'colour'"));
    Path broken = Files.writeString(dir.resolve("bad.json"), "{\"port\": ");
    e = assertThrows(ServerConfig.ConfigException.class, () -> ServerConfig.load(broken, Map.of(), Map.of()));
    assertThat(e.getMessage(), containsString("is not valid JSON"));
    e = assertThrows(ServerConfig.ConfigException.class, () -> ServerConfig.load(null, Map.of(), Map.of("workers", "0")));
    assertThat(e.getMessage(), containsString("workers must be at least 1"));
    e = assertThrows(ServerConfig.ConfigException.class,
        () -> ServerConfig.load(null, Map.of(), Map.of("timeout-ms", "5000", "idle-timeout-ms", "5000")));
    assertThat(e.getMessage(), containsString("idle-timeout-ms (5000) must be more than timeout-ms (5000) and write-timeout-ms"));
    e = assertThrows(ServerConfig.ConfigException.class, () -> ServerConfig.load(null, Map.of("TANDEM_API_TOKEN", "short"),
        Map.of()));
    assertThat(e.getMessage(), containsString("api-token must be at least 16 characters"));
    assertThat(e.getMessage(), not(containsString("short")));
    ServerConfig secret = ServerConfig.load(null, Map.of("TANDEM_API_TOKEN", "a-long-enough-secret"), Map.of());
    assertThat(secret.apiToken(), is("a-long-enough-secret"));
    assertThat(secret.toString(), not(containsString("a-long-enough-secret")));
    e = assertThrows(ServerConfig.ConfigException.class, () -> ServerConfig.load(dir.resolve("missing.properties"), Map.of(),
        Map.of()));
    assertThat(e.getMessage(), containsString("cannot read configuration file"));
  }
}
