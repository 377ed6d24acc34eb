package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;
import static dev.tandem.pipelines.TandemCli.loadSpec;

import dev.tandem.online.RedisState;
import dev.tandem.spec.FeatureSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "stream", mixinStandardHelpOptions = true, description = "Keeps the online state current from Kafka: one topic "
    + "per table (key = event id, value = the row as JSON, as in POST /events), applied through ingestion; bad messages go "
    + "to the dead-letter topic with their reason. Runs until stopped.")
final class StreamCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  @Option(names = "--spec", required = true, paramLabel = "SPEC", description = "the spec file (YAML)")
  Path spec;

  @Option(names = "--redis", required = true, paramLabel = "URL", description = "redis://HOST:PORT of the state")
  String redis;

  @Option(names = "--kafka", required = true, paramLabel = "HOST:PORT", description = "the Kafka bootstrap servers")
  String kafka;

  @Option(names = "--topic-prefix", paramLabel = "P", description = "topic of table T: P + T (default: the spec's name and a dot)")
  String topicPrefix;

  @Option(names = "--tables", split = ",", paramLabel = "T", description = "the tables to read (default: every table whose topic exists)")
  List<String> tables;

  @Option(names = "--group", paramLabel = "G", description = "the consumer group (default: tandem-SPEC)")
  String group;

  @Option(names = "--dead-letter-topic", paramLabel = "TOPIC", description = "where bad messages go (default: P + dead-letters)")
  String deadLetterTopic;

  @Option(names = "--max-skew-ms", defaultValue = "300000", paramLabel = "MS",
      description = "refuse rows stamped later than the message's timestamp + this (default ${DEFAULT-VALUE})")
  long maxSkewMs;

  @Option(names = "--runner", defaultValue = "direct", paramLabel = "RUNNER", description = "Beam runner: direct (default), flink (embedded, or --flinkMaster=HOST:PORT) or dataflow")
  String runner;

  @Option(names = "--progress-seconds", defaultValue = "10", paramLabel = "N", description = "seconds between progress lines")
  int progressSeconds;

  @CommandLine.Unmatched
  List<String> beamOptions = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = commandSpec.commandLine().getOut();
    PrintWriter err = commandSpec.commandLine().getErr();
    FeatureSpec s = loadSpec(spec, err);
    if (s == null) {
      return BAD_INPUT;
    }
    String prefix = topicPrefix != null ? topicPrefix : s.name() + ".";
    Set<String> existing;
    try {
      existing = topics(kafka);
    } catch (Exception e) {
      err.println("cannot reach Kafka at " + kafka + ": " + e.getMessage());
      return BAD_INPUT;
    }
    List<String> read = new ArrayList<>();
    for (String t : tables != null ? tables : StreamJob.tableNames(s)) {
      if (s.table(t) == null) {
        err.println("unknown table '" + t + "' in --tables; the spec's tables: " + StreamJob.tableNames(s));
        return BAD_INPUT;
      }
      if (existing.contains(prefix + t)) {
        read.add(t);
      } else if (tables != null) {
        err.println("no topic " + prefix + t + " in " + kafka);
        return BAD_INPUT;
      } else {
        out.println("stream: no topic " + prefix + t + ": table " + t + " not read");
      }
    }
    if (read.isEmpty()) {
      err.println("no topic " + prefix + "TABLE exists in " + kafka + " for any table of the spec");
      return BAD_INPUT;
    }
    try (RedisState state = MaterializeJob.connect(redis, err)) {
      if (state == null) {
        return BAD_INPUT;
      }
    }
    PipelineOptions options = Runners.options(runner, beamOptions, err);
    if (options == null) {
      return BAD_INPUT;
    }
    StreamJob job = new StreamJob(s, redis, kafka, prefix, group != null ? group : "tandem-" + s.name(),
        deadLetterTopic != null ? deadLetterTopic : prefix + "dead-letters", read, null, Duration.ofMillis(maxSkewMs));
    out.println("stream: reading " + read.stream().map(job::topic).toList() + " from " + kafka + " into " + redis);
    return job.run(options, out, progressSeconds);
  }

  static Set<String> topics(String kafka) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    try (Admin admin = Admin.create(props)) {
      return admin.listTopics().names().get();
    }
  }
}
