package dev.tandem.kafka;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InterruptException;

/**
 * A real Kafka broker for tests and for running Tandem on one machine: Kafka 3.9 in KRaft mode, broker
 * and controller in one process, on free loopback ports, in a JVM of its own. Data, configuration and
 * the broker's log live in a temporary folder; {@link #close()} stops the broker by its pid and deletes
 * that folder.
 *
 * <p>The broker (Scala 2.13) is not on this module's classpath, which would clash with Spark's Scala
 * 2.12 in the CLI. Instead the Maven build of kafka-local writes the paths of the broker's jars in the
 * local Maven repository to the resource {@code broker.classpath}: LocalKafka works only on a machine
 * where that build ran (a developer's machine, CI) and whose local repository still holds those jars.
 */
public final class LocalKafka implements AutoCloseable {

  static final String HOST = "127.0.0.1";
  private static final String CLASSPATH_RESOURCE = "broker.classpath";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final int PORT_ATTEMPTS = 10;
  private static final String PORT_TAKEN = "Address already in use";

  private final int port;
  private final Process process;
  private final Path dir;

  private LocalKafka(int port, Process process, Path dir) {
    this.port = port;
    this.process = process;
    this.dir = dir;
  }

  /** Starts a broker and returns once it answers, or fails within about a minute with the end of its log. */
  public static LocalKafka start() throws IOException {
    String classpath = brokerClasspath();
    Path dir = Files.createTempDirectory("tandem-kafka-");
    try {
      // A free port can be taken by someone else before the broker binds it: try others.
      for (int attempt = 1; ; attempt++) {
        try {
          return launch(dir, classpath, freePort());
        } catch (PortTaken e) {
          if (attempt == PORT_ATTEMPTS) {
            throw new IOException("no free port after " + PORT_ATTEMPTS + " attempts; last: " + e.getMessage());
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      deleteRecursively(dir);
      throw e;
    }
  }

  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  public long pid() {
    return process.pid();
  }

  Path dir() {
    return dir;
  }

  /** Creates the topics (replication factor 1) and returns once the controller has them. */
  public void createTopics(Map<String, Integer> partitionsByTopic) {
    List<NewTopic> topics = partitionsByTopic.entrySet().stream()
        .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
        .toList();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      admin.createTopics(topics).all().get();
    } catch (ExecutionException e) {
      throw new KafkaException("could not create topics " + partitionsByTopic + " on " + bootstrapServers()
          + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      throw new InterruptException(e);
    }
  }

  /** SIGTERM (the broker shuts down cleanly), a bounded wait, then SIGKILL; then the folder goes. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(process);
    }
    try {
      deleteRecursively(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One try with {@code port} and {@code port + 1} (the controller's); {@link PortTaken} when someone else holds one. */
  private static LocalKafka launch(Path dir, String classpath, int port) throws IOException {
    Path data = dir.resolve("data");
    Path config = dir.resolve("server.properties");
    Path log = dir.resolve("broker.log");
    deleteRecursively(data);
    Files.deleteIfExists(log);
    Files.writeString(config, serverProperties(port, port + 1, data));
    String clusterId = Uuid.randomUuid().toString();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Process format = java(classpath, log, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString());
    Process broker = null;
    LocalKafka started = null;
    try {
      if (!format.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw failure(port, log, "did not format its storage within " + START_TIMEOUT.toSeconds() + " s");
      }
      if (format.exitValue() != 0) {
        throw failure(port, log, "could not format its storage (status " + format.exitValue() + ")");
      }
      broker = java(classpath, log, "kafka.Kafka", config.toString());
      while (System.nanoTime() < deadline) {
        if (!broker.isAlive()) {
          if (logText(log).contains(PORT_TAKEN)) {
            throw new PortTaken(HOST + ":" + port + " or " + (port + 1));
          }
          throw failure(port, log, "exited with status " + broker.exitValue());
        }
        // Connect first: until the port is open the admin client would log a warning per attempt.
        if (accepts(port) && answersAs(port, clusterId)) {
          started = new LocalKafka(port, broker, dir);
          return started;
        }
        Thread.sleep(50);
      }
      throw failure(port, log, "did not answer within " + START_TIMEOUT.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting Kafka on " + HOST + ":" + port, e);
    } finally {
      if (started == null) {
        kill(format);
        if (broker != null) {
          kill(broker);
        }
      }
    }
  }

  private static void kill(Process process) {
    process.destroyForcibly();
    try {
      process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String serverProperties(int port, int controllerPort, Path data) {
    return String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@" + HOST + ":" + controllerPort,
        "listeners=PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort,
        "controller.listener.names=CONTROLLER",
        "log.dirs=" + data,
        "num.partitions=1",
        "auto.create.topics.enable=false",
        "offsets.topic.replication.factor=1",
        // One partition instead of 50 for the internal topics: a consumer group or transaction is ready sooner.
        "offsets.topic.num.partitions=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=1",
        "group.initial.rebalance.delay.ms=0",
        // No time retention: tests and replays send rows with their own (historical) times as message timestamps, and
        // the default 7 days, judged by those timestamps, deletes them 30 s after the broker starts.
        "log.retention.ms=-1",
        "");
  }

  private static Process java(String classpath, Path log, String... mainClassAndArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-cp", classpath));
    command.addAll(List.of(mainClassAndArgs));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(log.toFile()))
        .start();
  }

  /** The broker's jars, as the Maven build wrote them; each must still exist. */
  static String brokerClasspath() throws IOException {
    try (InputStream in = LocalKafka.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
      if (in == null) {
        throw new IOException("no " + CLASSPATH_RESOURCE + " next to " + LocalKafka.class.getName()
            + ": it is written by kafka-local's Maven build (mvn -pl kafka-local -am install)");
      }
      String classpath = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      for (String jar : classpath.split(File.pathSeparator)) {
        if (!Files.isRegularFile(Path.of(jar))) {
          throw new IOException("the Kafka broker's jar " + jar + " is missing: LocalKafka runs only where"
              + " kafka-local was built with Maven (mvn -pl kafka-local -am install)");
        }
      }
      return classpath;
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Our broker, not someone else on that port: it reports the cluster id we formatted it with. */
  private static boolean answersAs(int port, String clusterId) throws InterruptedException {
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + port,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000))) {
      return clusterId.equals(admin.describeCluster().clusterId().get());
    } catch (ExecutionException e) {
      return false;
    }
  }

  private static IOException failure(int port, Path log, String what) {
    return new IOException("Kafka broker on " + HOST + ":" + port + " " + what + "; its log ends:\n" + logTail(log));
  }

  private static String logTail(Path log) {
    String[] lines = logText(log).split("\n");
    return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 30), lines.length));
  }

  private static String logText(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(path)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * A port that is free now, with the next one for the controller, below the usual ephemeral range
   * (32768+) so that client sockets rarely take them.
   */
  private static int freePort() throws IOException {
    for (int i = 0; i < 1000; i++) {
      int port = ThreadLocalRandom.current().nextInt(10_000, 32_767);
      if (isFree(port) && isFree(port + 1)) {
        return port;
      }
    }
    throw new IOException("no two free loopback ports found in 10000-32767");
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static final class PortTaken extends IOException {
    PortTaken(String message) {
      super(message);
    }
  }
}
