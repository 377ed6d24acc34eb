package dev.tandem.pipelines;

import dev.tandem.kafka.LocalKafka;
import dev.tandem.online.RedisState;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem check-consistency}: online = offline, cell by cell (see {@link ConsistencyCheck}). */
@Command(name = "check-consistency", mixinStandardHelpOptions = true,
    description = "Replays the data through online ingestion in the tie order, evaluates every request online from Redis and "
        + "compares it with the offline feature table, cell by cell. Exit 0 when equal, 1 on any difference.")
final class CheckConsistencyCommand implements Callable<Integer> {
  /** The stream job's bundle time on Flink during a check (see where it is used). */
  private static final int CHECK_BUNDLE_MILLIS = 5;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  @CommandLine.Mixin
  SpecAndData input;

  @Option(names = "--offline", required = true, paramLabel = "FEATURES_DIR", description = "the feature table `tandem features` wrote from the same data")
  String offline;

  @Option(names = "--redis", paramLabel = "URL", description = "redis://HOST:PORT of a Redis or Redis Cluster node; default: start a local Redis for the run")
  String redis;

  @Option(names = "--online-out", paramLabel = "DIR", description = "also write the online rows as Parquet, in the feature table's columns")
  Path onlineOut;

  @Option(names = "--via", defaultValue = "ingestion", paramLabel = "PATH",
      description = "ingestion (default): rows straight into ingestion; kafka: rows as messages through Kafka and the stream job")
  String via;

  @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "with --via kafka: the brokers; default: start a local Kafka for the run")
  String kafka;

  @Option(names = "--resend", defaultValue = "0", paramLabel = "F", description = "with --via kafka: send this share of the messages twice")
  double resend;

  @Option(names = "--restart-stream", description = "with --via kafka: stop the stream job half-way and start it again")
  boolean restartStream;

  @Option(names = "--runner", defaultValue = "direct", paramLabel = "RUNNER", description = "with --via kafka: the stream job's Beam runner")
  String runner;

  @Option(names = "--rematerialize-at", paramLabel = "TIME", description = "once the replay passes TIME, run `tandem materialize` "
      + "over the data (as of --rematerialize-as-of) and go on against the new generation; the check's own Redis only")
  String rematerializeAt;

  @Option(names = "--rematerialize-as-of", paramLabel = "TIME", description = "the cut of that materialization (default: one day before --rematerialize-at)")
  String rematerializeAsOf;

  @CommandLine.Unmatched
  List<String> beamOptions = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = commandSpec.commandLine().getOut();
    PrintWriter err = commandSpec.commandLine().getErr();
    FeatureSpec s = input.load(commandSpec.commandLine());
    if (s == null) {
      return TandemCli.BAD_INPUT;
    }
    if (!via.equals("ingestion") && !via.equals("kafka")) {
      err.println("bad --via '" + via + "': ingestion or kafka");
      return TandemCli.BAD_INPUT;
    }
    if (resend < 0 || resend > 1) {
      err.println("bad --resend " + resend + ": a share between 0 and 1");
      return TandemCli.BAD_INPUT;
    }
    ConsistencyCheck.Rematerialize rematerialize = null;
    if (rematerializeAt != null) {
      if (redis != null || via.equals("kafka")) {
        err.println("--rematerialize-at makes the replay the live state: it needs the check's own Redis (no --redis) and --via ingestion");
        return TandemCli.BAD_INPUT;
      }
      try {
        java.time.Instant at = TandemCli.time(rematerializeAt, s);
        java.time.Instant asOf = rematerializeAsOf != null ? TandemCli.time(rematerializeAsOf, s) : at.minus(java.time.Duration.ofDays(1));
        rematerialize = new ConsistencyCheck.Rematerialize(at, asOf, input.data, null);
      } catch (IllegalArgumentException e) {
        err.println("bad --rematerialize-at or --rematerialize-as-of: " + e.getMessage());
        return TandemCli.BAD_INPUT;
      }
    }
    Path work = null;
    LocalRedis local = null;
    LocalKafka localKafka = null;
    try {
      if (redis == null) {
        work = Files.createTempDirectory("tandem-redis");
        local = LocalRedis.start(work);
        out.printf("check-consistency: started a local Redis at %s%n", local.uri());
      }
      try (RedisState state = MaterializeJob.connect(local != null ? local.uri() : redis, err)) {
        if (state == null) {
          return TandemCli.BAD_INPUT;
        }
        ConsistencyCheck.ViaKafka viaKafka = null;
        if (via.equals("kafka")) {
          if (kafka == null) {
            localKafka = LocalKafka.start();
            out.printf("check-consistency: started a local Kafka at %s%n", localKafka.bootstrapServers());
          }
          List<String> streamOptions = new ArrayList<>(beamOptions);
          if (runner.equalsIgnoreCase("flink")) {
            // The replay waits for the rows each request reads, so a bundle's closing time is added to every request:
            // 5 ms instead of the stream command's 100 (5,000 adversarial requests: 7 → about 60 requests/s).
            Runners.addDefault(streamOptions, "--maxBundleTimeMills", Integer.toString(CHECK_BUNDLE_MILLIS));
          }
          PipelineOptions options = Runners.options(runner, streamOptions, err);
          if (options == null) {
            return TandemCli.BAD_INPUT;
          }
          viaKafka = new ConsistencyCheck.ViaKafka(localKafka != null ? localKafka.bootstrapServers() : kafka,
              local != null ? local.uri() : redis, resend, restartStream, options);
        }
        if (rematerialize != null) {
          rematerialize = new ConsistencyCheck.Rematerialize(rematerialize.at(), rematerialize.asOf(), rematerialize.dataDir(),
              local.uri());
        }
        ConsistencyCheck check = new ConsistencyCheck(s, state, out, viaKafka, rematerialize);
        long started = System.nanoTime();
        ConsistencyCheck.Report report = check.run(input.data, offline, onlineOut);
        check.print(report, out);
        out.printf("check-consistency: %.1f s%n", (System.nanoTime() - started) / 1e9);
        return report.consistent() ? TandemCli.OK : TandemCli.FAILED;
      }
    } catch (IllegalArgumentException e) {
      err.println("tandem check-consistency: " + e.getMessage());
      return TandemCli.BAD_INPUT;
    } finally {
      if (localKafka != null) {
        localKafka.close();
      }
      if (local != null) {
        local.close();
      }
      if (work != null) {
        Storage.deleteLocal(work);
      }
    }
  }
}
