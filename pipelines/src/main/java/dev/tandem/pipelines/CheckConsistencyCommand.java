package dev.tandem.pipelines;

import dev.tandem.online.LocalRedis;
import dev.tandem.online.RedisState;
import dev.tandem.spec.FeatureSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem check-consistency}: online = offline, cell by cell (see {@link ConsistencyCheck}). */
@Command(name = "check-consistency", mixinStandardHelpOptions = true,
    description = "Replays the data through online ingestion in the tie order, evaluates every request online from Redis and "
        + "compares it with the offline feature table, cell by cell. Exit 0 when equal, 1 on any difference.")
final class CheckConsistencyCommand implements Callable<Integer> {
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

  @Override
  public Integer call() throws Exception {
    PrintWriter out = commandSpec.commandLine().getOut();
    PrintWriter err = commandSpec.commandLine().getErr();
    FeatureSpec s = input.load(commandSpec.commandLine());
    if (s == null) {
      return TandemCli.BAD_INPUT;
    }
    Path work = null;
    LocalRedis local = null;
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
        ConsistencyCheck check = new ConsistencyCheck(s, state, out);
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
      if (local != null) {
        local.close();
      }
      if (work != null) {
        Storage.deleteLocal(work);
      }
    }
  }
}
