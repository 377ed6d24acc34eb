package dev.tandem.pipelines;

import dev.tandem.beam.TandemFeatures;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Turns {@code --runner NAME} and pass-through Beam options into {@link PipelineOptions}. Only
 * options differ between runners: the transforms are the same.
 *
 * <ul>
 *   <li>{@code direct}: Beam's Direct runner, for small data.
 *   <li>{@code spark}: Spark, embedded in this JVM ({@code --sparkMaster=local[*]} by default; pass
 *       {@code --sparkMaster=local[2]} or, under spark-submit, the cluster's master). Only an
 *       embedded Spark is bound to 127.0.0.1.
 *   <li>{@code flink}: Flink, embedded in this JVM ({@code --flinkMaster=[local]} by default) or a
 *       cluster ({@code --flinkMaster=HOST:PORT}); for {@code tandem stream}.
 *   <li>{@code dataflow}: Google Cloud Dataflow; pass {@code --project}, {@code --region},
 *       {@code --gcpTempLocation} and the rest as usual.
 * </ul>
 */
final class Runners {
  static final List<String> NAMES = List.of("direct", "spark", "flink", "dataflow");

  /**
   * Shards of each shuffle on the Direct runner: its grouping copies a key's values at each
   * bundle, so small data runs fastest on few keys (the JD sample: 13.9 s with 64, 8.3 s with 8).
   */
  static final int DIRECT_SHARDS = 8;

  private static final Pattern LOCAL_CORES = Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]");

  private Runners() {}

  /** The shards of each shuffle a runner gets by default: {@link #DIRECT_SHARDS} on Direct, else {@link TandemFeatures#DEFAULT_SHARDS}. */
  static int shards(String runner) {
    return runner.equalsIgnoreCase("direct") ? DIRECT_SHARDS : TandemFeatures.DEFAULT_SHARDS;
  }

  /** The options, or null (with a message) when the runner or an option is not known. */
  static PipelineOptions options(String runner, List<String> beamOptions, PrintWriter err) {
    List<String> args = new ArrayList<>(beamOptions);
    switch (runner.toLowerCase(Locale.ROOT)) {
      case "direct" -> {
        args.add("--runner=DirectRunner");
        // The Direct runner's checks copy every element several times: off by default here, on in tests.
        addDefault(args, "--enforceImmutability", "false");
        addDefault(args, "--enforceEncodability", "false");
        addDefault(args, "--blockOnRun", "false"); // so progress can be printed while it runs
      }
      case "spark" -> {
        args.add("--runner=SparkRunner");
        addDefault(args, "--sparkMaster", "local[*]");
        // Collections read by several steps are cached. DISK_ONLY keeps them serialized by their coders on local
        // disk: MEMORY_ONLY drops what does not fit and Spark recomputes it from the sources, and MEMORY_AND_DISK
        // keeps deserialized rows whose size Spark estimates by walking them (a third of the executor time in a
        // profile). 1 M requests: 224 s with DISK_ONLY, 374 s with MEMORY_AND_DISK, in less memory.
        addDefault(args, "--storageLevel", "DISK_ONLY");
        String master = sparkMaster(args);
        // Partitions of each shuffle: an embedded Spark gets two per core (each task's sort streams, so larger
        // partitions cost no memory, and ~2,000 mostly empty tasks of 64 partitions cost their start-up each);
        // a cluster gets one per shuffle shard.
        setIfAbsent("spark.default.parallelism",
            Integer.toString(isLocal(master) ? 2 * localCores(master) : TandemFeatures.DEFAULT_SHARDS));
        if (isLocal(master)) {
          // An embedded Spark needs no UI and should bind to loopback on machines without a resolvable host name.
          // Never on a cluster: executors on other hosts must reach the driver at the address Spark finds
          // (SPARK_LOCAL_IP, SPARK_LOCAL_HOSTNAME or spark.driver.host when given, else the host's name).
          setIfAbsent("spark.ui.enabled", "false");
          setIfAbsent("spark.driver.bindAddress", "127.0.0.1");
          setIfAbsent("spark.driver.host", "127.0.0.1");
        }
      }
      case "flink" -> {
        args.add("--runner=FlinkRunner");
        // An embedded Flink in this JVM; --flinkMaster=HOST:PORT submits to a cluster's JobManager.
        addDefault(args, "--flinkMaster", "[local]");
        addDefault(args, "--attachedMode", "false"); // run() returns, so progress can be printed while it runs
        // A bundle (one ingestion call, then the applied offsets) closes after 100 ms, not Flink's default second;
        // Kafka offsets are committed when a checkpoint completes, so take one every 10 s.
        addDefault(args, "--maxBundleTimeMills", "100");
        addDefault(args, "--checkpointingInterval", "10000");
      }
      case "dataflow" -> args.add("--runner=DataflowRunner");
      default -> {
        err.println("unknown runner '" + runner + "' (available: " + String.join(", ", NAMES) + ")");
        return null;
      }
    }
    try {
      return PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).withValidation().create();
    } catch (IllegalArgumentException e) {
      err.println("bad Beam option: " + e.getMessage());
      return null;
    }
  }

  /**
   * The master Spark will use: {@code spark.master} when set (spark-submit sets it, and Beam's
   * Spark runner keeps it), else {@code --sparkMaster}.
   */
  static String sparkMaster(List<String> args) {
    String submitted = System.getProperty("spark.master");
    if (submitted != null) {
      return submitted;
    }
    String master = "local[*]";
    for (String a : args) {
      if (a.startsWith("--sparkMaster=")) {
        master = a.substring("--sparkMaster=".length());
      }
    }
    return master;
  }

  /** An embedded master ({@code local}, {@code local[N]}, {@code local[N,F]}, {@code local-cluster[...]}). */
  static boolean isLocal(String master) {
    return master.equals("local") || master.startsWith("local[") || master.startsWith("local-cluster[");
  }

  /** The worker threads of an embedded master: N of {@code local[N]} or {@code local[N,F]}; the machine's cores for {@code local[*]} or {@code local}'s one. */
  static int localCores(String master) {
    Matcher m = LOCAL_CORES.matcher(master);
    if (m.matches()) {
      return m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Math.max(1, Integer.parseInt(m.group(1)));
    }
    return master.equals("local") ? 1 : Runtime.getRuntime().availableProcessors();
  }

  /** Adds {@code name=value} unless {@code args} already set {@code name}. */
  static void addDefault(List<String> args, String name, String value) {
    if (args.stream().noneMatch(a -> a.startsWith(name + "=") || a.equals(name))) {
      args.add(name + "=" + value);
    }
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
