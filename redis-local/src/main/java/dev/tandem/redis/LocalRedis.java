package dev.tandem.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.exceptions.JedisException;
import redis.embedded.core.ExecutableProvider;

/**
 * A real redis-server, daemonized on a free loopback port, for tests and for running Tandem on
 * one machine. The binary is {@code $TANDEM_REDIS_SERVER} if set, else {@code redis-server} on the
 * PATH, else the one bundled in embedded-redis (Redis 6.2). Nothing is persisted; the pid file,
 * log and any cluster config live in {@code workDir}. {@link #close()} stops the server by its pid.
 *
 * <p>{@link #startTls} starts a server that speaks TLS only, with a certificate for 127.0.0.1
 * signed by a throwaway CA made with the {@code openssl} command.
 */
public final class LocalRedis implements AutoCloseable {

  static final String HOST = "127.0.0.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int PORT_ATTEMPTS = 10;
  private static final String PORT_TAKEN = "Address already in use";

  /** A CA certificate (PEM) and the server's certificate and key that it signed. */
  public record Certificates(Path ca, Path cert, Path key) {}

  private final int port;
  private final ProcessHandle process;
  private final Certificates tls; // null: plain TCP

  private LocalRedis(int port, ProcessHandle process, Certificates tls) {
    this.port = port;
    this.process = process;
    this.tls = tls;
  }

  public static LocalRedis start(Path workDir) throws IOException {
    return start(workDir, binary(workDir), false, null);
  }

  /** A server on a TLS port only (no plain one); clients trust {@link #caFile()}. Needs {@code openssl}. */
  public static LocalRedis startTls(Path workDir) throws IOException {
    return start(workDir, binary(workDir), false, throwawayCertificates(workDir));
  }

  /**
   * Starts a server with {@code binary}; a cluster node also gets {@code nodes-PORT.conf} and a bus
   * port; with {@code tls}, the port is a TLS port.
   */
  static LocalRedis start(Path workDir, Path binary, boolean clusterNode, Certificates tls) throws IOException {
    Files.createDirectories(workDir);
    // A free port can be taken by someone else before Redis binds it: try another.
    for (int attempt = 1; ; attempt++) {
      int port = freePort(clusterNode);
      try {
        return launch(workDir.toAbsolutePath(), binary, port, clusterNode, tls);
      } catch (PortTaken e) {
        if (attempt == PORT_ATTEMPTS) {
          throw new IOException("no free port after " + PORT_ATTEMPTS + " attempts; last: " + e.getMessage());
        }
      }
    }
  }

  /** {@code redis://127.0.0.1:PORT}, or {@code rediss://...} for a TLS server. */
  public String uri() {
    return (tls == null ? "redis" : "rediss") + "://" + HOST + ":" + port;
  }

  /** The PEM file of the CA that signed a TLS server's certificate; null for a plain server. */
  public Path caFile() {
    return tls == null ? null : tls.ca();
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** SIGTERM, a bounded wait, then SIGKILL. */
  @Override
  public void close() {
    if (!isRunning(process)) {
      return;
    }
    process.destroy();
    // Polled: onExit() never completes for a zombie, and polls with long back-offs otherwise.
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    try {
      while (isRunning(process) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (isRunning(process)) {
      process.destroyForcibly();
    }
  }

  /**
   * Alive and not a zombie. The daemonized server is not our child: once it exits it stays a
   * zombie until init reaps it, which some container inits do only every few seconds, or never.
   */
  static boolean isRunning(ProcessHandle process) {
    if (!process.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z'; // "pid (comm) STATE ..."
    } catch (IOException | RuntimeException e) {
      return process.isAlive(); // no /proc (not Linux), or it just went away
    }
  }

  /** A short-lived connection for administration (cluster setup, tests). */
  public Jedis admin() {
    return admin(port, 5000, tls != null);
  }

  public static Jedis admin(int port, int timeoutMillis) {
    return admin(port, timeoutMillis, false);
  }

  /**
   * Over TLS when {@code tls}. The legacy Jedis class speaks RESP2 only: saying so
   * explicitly spares a warning per connection.
   *
   * <p>The TLS connection does not check the certificate: it administers, on loopback, the
   * server this class started with a certificate it made itself. Clients under test (the
   * server's {@code RedisState}) check it against {@link #caFile()}.
   */
  static Jedis admin(int port, int timeoutMillis, boolean tls) {
    DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
        .protocol(RedisProtocol.RESP2)
        .connectionTimeoutMillis(Math.min(1000, timeoutMillis))
        .socketTimeoutMillis(timeoutMillis);
    if (tls) {
      config.ssl(true).sslOptions(SslOptions.builder().sslVerifyMode(SslVerifyMode.INSECURE).build());
    }
    return new Jedis(new HostAndPort(HOST, port), config.build());
  }

  /**
   * A fresh CA and a server certificate for 127.0.0.1 (a subject alternative name: clients check
   * it) signed by it, EC P-256, valid for a day, in a new folder under {@code workDir}.
   */
  public static Certificates throwawayCertificates(Path workDir) throws IOException {
    Files.createDirectories(workDir);
    Path dir = Files.createTempDirectory(workDir.toAbsolutePath(), "tls-");
    Certificates out = new Certificates(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"));
    Path caKey = dir.resolve("ca.key");
    Path request = dir.resolve("server.csr");
    Path extensions = Files.writeString(dir.resolve("server.ext"),
        "subjectAltName=IP:" + HOST + "\nextendedKeyUsage=serverAuth\n");
    List<String> ecKey = List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes");
    openssl(dir, concat(List.of("req", "-x509"), ecKey, List.of("-keyout", caKey.toString(), "-out", out.ca().toString(),
        "-days", "1", "-subj", "/CN=Tandem throwaway CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")));
    openssl(dir, concat(List.of("req"), ecKey, List.of("-keyout", out.key().toString(), "-out", request.toString(),
        "-subj", "/CN=" + HOST)));
    openssl(dir, List.of("x509", "-req", "-in", request.toString(), "-CA", out.ca().toString(), "-CAkey", caKey.toString(),
        "-CAcreateserial", "-out", out.cert().toString(), "-days", "1", "-extfile", extensions.toString()));
    return out;
  }

  private static void openssl(Path dir, List<String> args) throws IOException {
    List<String> command = concat(List.of("openssl"), args);
    Path output = dir.resolve("openssl.out");
    Process process = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    try {
      if (!process.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish within " + START_TIMEOUT.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running openssl", e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited with status " + process.exitValue() + ":\n"
          + Files.readString(output));
    }
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> out = new ArrayList<>();
    for (List<String> part : parts) {
      out.addAll(part);
    }
    return out;
  }

  static Path binary(Path workDir) throws IOException {
    String configured = System.getenv("TANDEM_REDIS_SERVER");
    if (configured != null && !configured.isBlank()) {
      Path binary = Path.of(configured);
      if (!Files.isExecutable(binary)) {
        throw new IOException("TANDEM_REDIS_SERVER=" + configured + " is not an executable file");
      }
      return binary;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "redis-server"))) {
        return Path.of(dir, "redis-server");
      }
    }
    return bundledBinary(workDir);
  }

  /** embedded-redis's binary for this OS and CPU, extracted into a fresh folder (never over a running one). */
  static Path bundledBinary(Path workDir) throws IOException {
    Files.createDirectories(workDir);
    Path dir = Files.createTempDirectory(workDir, "redis-bin-");
    return ExecutableProvider.newJarResourceProvider(dir.toFile()).get().toPath();
  }

  /** One try on {@code port}; {@link PortTaken} when someone else holds it. */
  static LocalRedis launch(Path workDir, Path binary, int port, boolean clusterNode, Certificates tls) throws IOException {
    Path log = workDir.resolve("redis-" + port + ".log");
    Path pidFile = workDir.resolve("redis-" + port + ".pid");
    Files.deleteIfExists(pidFile);
    Files.deleteIfExists(log);
    List<String> ports = tls == null
        ? List.of("--port", Integer.toString(port))
        : List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file", tls.cert().toString(),
            "--tls-key-file", tls.key().toString(), "--tls-ca-cert-file", tls.ca().toString(), "--tls-auth-clients", "no");
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(ports);
    command.addAll(List.of("--bind", HOST, "--save", "", "--appendonly", "no",
        "--daemonize", "yes", "--pidfile", pidFile.toString(), "--dir", workDir.toString(),
        "--logfile", log.toString()));
    if (clusterNode) {
      String config = "nodes-" + port + ".conf";
      Files.deleteIfExists(workDir.resolve(config)); // a stale one would bring back an old cluster
      // A short node timeout: a dead master's replica takes over within seconds. Without full
      // coverage the other masters keep serving their slots while some are unowned.
      command.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", config,
          "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no"));
    }
    // Errors before daemonizing (bad flags, missing libraries) are printed, not logged: same file.
    Process launcher = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(log.toFile()))
        .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    try {
      if (!launcher.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        launcher.destroyForcibly();
        throw failure(binary, port, log, "did not daemonize");
      }
      if (launcher.exitValue() != 0) {
        throw failure(binary, port, log, "exited with status " + launcher.exitValue());
      }
      while (System.nanoTime() < deadline) {
        // The pid file is written once the port is bound; the server must then answer as that pid.
        // Redis creates the file before it writes the pid: an empty or partial file means "not yet".
        String pidText = Files.exists(pidFile) ? Files.readString(pidFile).trim() : "";
        if (pidText.matches("[0-9]+")) {
          long pid = Long.parseLong(pidText);
          if (answersAs(port, pid, tls)) {
            ProcessHandle process = ProcessHandle.of(pid)
                .orElseThrow(() -> failure(binary, port, log, "pid " + pid + " vanished"));
            return new LocalRedis(port, process, tls);
          }
        } else if (!Files.exists(pidFile) && logText(log).contains(PORT_TAKEN)) {
          throw new PortTaken(HOST + ":" + port + " (" + log + ")");
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting " + binary, e);
    }
    throw failure(binary, port, log, "did not answer PING within " + START_TIMEOUT.toSeconds() + " s");
  }

  private static boolean answersAs(int port, long pid, Certificates tls) {
    try (Jedis jedis = admin(port, 1000, tls != null)) {
      return "PONG".equals(jedis.ping()) && jedis.info("server").contains("process_id:" + pid + "\r\n");
    } catch (JedisException e) {
      return false;
    }
  }

  private static IOException failure(Path binary, int port, Path log, String what) {
    return new IOException(binary + " on " + HOST + ":" + port + " " + what + "; log " + log + ":\n" + logTail(log));
  }

  private static String logTail(Path log) {
    String[] lines = logText(log).split("\n");
    return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 20), lines.length));
  }

  private static String logText(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A port that is free now, below the usual ephemeral range (32768+) so that client sockets
   * rarely take it; a cluster node also needs its bus port, PORT + 10000.
   */
  private static int freePort(boolean clusterNode) throws IOException {
    for (int i = 0; i < 1000; i++) {
      int port = ThreadLocalRandom.current().nextInt(10_000, 22_768);
      if (isFree(port) && (!clusterNode || isFree(port + 10_000))) {
        return port;
      }
    }
    throw new IOException("no free loopback port found in 10000-22767");
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static final class PortTaken extends IOException {
    PortTaken(String message) {
      super(message);
    }
  }
}
