package dev.tandem.pipelines;

import dev.tandem.beam.TandemFeatures;
import dev.tandem.beam.TandemFiles;
import dev.tandem.beam.TandemParquet;
import dev.tandem.beam.TandemTrainingSet;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.runners.dataflow.util.DataflowTemplateJob;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.values.PCollectionRowTuple;

/**
 * Runs {@code tandem features} and {@code tandem training-set}: checks the data against the
 * spec, runs the pipeline with progress into a staging folder inside {@code --out}, and only on
 * success moves the results into place and writes {@code _SUCCESS}. A failed run leaves no output
 * that looks complete. Data and output may be on any Beam file system (local, gs://, hdfs://...).
 */
final class OfflineJob {
  static final String SUCCESS = "_SUCCESS";
  static final String REJECTED = "_rejected";
  static final String METADATA = "metadata.json";
  private static final Set<String> OURS = Set.of(SUCCESS, REJECTED, METADATA, TandemTrainingSet.TRAIN,
      TandemTrainingSet.VALIDATION, TandemTrainingSet.TEST);

  /** What the job builds: the feature table, or a training set split at two instants. */
  record Kind(boolean trainingSet, Instant validationFrom, Instant testFrom) {
    static final Kind FEATURES = new Kind(false, null, null);
  }

  private final FeatureSpec spec;
  private final Kind kind;
  private final String data;
  private final String out;
  private final String runner;
  private final boolean overwrite;
  private final int shards;
  private final List<String> beamOptions;
  private final PrintWriter stdout;
  private final PrintWriter stderr;

  OfflineJob(FeatureSpec spec, Kind kind, String data, String out, String runner, boolean overwrite, int shards,
      List<String> beamOptions, PrintWriter stdout, PrintWriter stderr) {
    this.spec = spec;
    this.kind = kind;
    this.data = data;
    this.out = out;
    this.runner = runner;
    this.overwrite = overwrite;
    this.shards = shards;
    this.beamOptions = beamOptions;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  int run() throws IOException {
    PipelineOptions options = Runners.options(runner, beamOptions, stderr);
    return options == null ? TandemCli.BAD_INPUT : run(options);
  }

  /**
   * Runs with these options. {@code --data} and {@code --out} may be on any file system Beam has
   * for the options (local, gs://, hdfs://, ...); a local {@code --data} is checked first.
   */
  int run(PipelineOptions options) throws IOException {
    FileSystems.setDefaultPipelineOptions(options);
    Optional<Path> localData = Storage.localPath(data);
    if (localData.isPresent()) {
      List<String> problems = TandemFiles.check(spec, localData.get());
      if (!problems.isEmpty()) {
        problems.forEach(p -> stderr.println("data error: " + p));
        return TandemCli.BAD_INPUT;
      }
    }
    String outDir = Storage.folder(out);
    if (!OutputFolder.prepare(outDir, overwrite, OURS, stderr)) {
      return TandemCli.BAD_INPUT;
    }
    // A Dataflow template runs later, without this process: it writes in place.
    String staging = isTemplate(options) ? null : OutputFolder.staging(outDir);
    if (staging != null) {
      OutputFolder.delete(staging);
    }
    String target = staging != null ? staging : outDir;
    long start = System.nanoTime();
    try {
      Pipeline p = Pipeline.create(options);
      String tables = Storage.folder(data);
      PCollectionRowTuple result;
      if (kind.trainingSet()) {
        result = p.apply("Training set " + spec.name(),
            TandemTrainingSet.of(spec, kind.validationFrom(), kind.testFrom()).withShards(shards).fromParquet(tables));
        for (String split : TandemTrainingSet.SPLITS) {
          result.get(split).apply("Write " + split, TandemParquet.writeTrainingSet(spec, target + "/" + split));
        }
      } else {
        result = p.apply("Features " + spec.name(), TandemFeatures.of(spec).withShards(shards).fromParquet(tables));
        result.get(TandemFeatures.FEATURES).apply("Write features", TandemParquet.write(spec, target));
      }
      result.get(TandemFeatures.REJECTED).apply("Write rejected rows", TandemParquet.writeRejected(target + "/" + REJECTED));
      PipelineResult run = p.run();
      if (run instanceof DataflowTemplateJob) {
        stdout.println("Dataflow job template written to " + options.as(DataflowPipelineOptions.class).getTemplateLocation());
        return TandemCli.OK;
      }
      Map<String, Long> counters = JobProgress.follow(run, TandemFeatures.METRICS, stdout, start, 10);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (kind.trainingSet()) {
        Storage.writeString(staging + "/" + METADATA, SplitCounters.json(spec, kind, counters));
        publish(staging, outDir, counters.getOrDefault("rows out", 0L));
        stdout.printf(Locale.ROOT, "training set: %s -> %s (%.1f s, %s runner)%n",
            SplitCounters.splitLine(counters), out, seconds, runner);
      } else {
        long rows = publish(staging, outDir, -1);
        stdout.printf(Locale.ROOT, "features: %d rows x %d columns -> %s (%.1f s, %s runner)%n",
            rows, spec.features().size(), out, seconds, runner);
      }
      summary(counters);
      return TandemCli.OK;
    } catch (RuntimeException e) {
      if (staging != null) {
        OutputFolder.delete(staging);
      }
      return dataError(e, stderr);
    }
  }

  /** Whether the run only writes a Dataflow template (the job itself runs later). */
  private static boolean isTemplate(PipelineOptions options) {
    return options.getRunner().getSimpleName().equals("DataflowRunner")
        && options.as(DataflowPipelineOptions.class).getTemplateLocation() != null;
  }

  /**
   * A job that failed on a row it cannot use (an {@link IllegalArgumentException} at the root,
   * raised in a worker) is the user's data error: printed, exit 2. Anything else is rethrown.
   */
  static int dataError(RuntimeException e, PrintWriter stderr) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    if (cause instanceof IllegalArgumentException) {
      stderr.println("data error: " + cause.getMessage());
      return TandemCli.BAD_INPUT;
    }
    throw e;
  }

  /** Rows per table read, rejected and unreachable, and rows out. */
  private void summary(Map<String, Long> counters) {
    stdout.println("summary:");
    for (TableDef t : spec.tables()) {
      stdout.printf(Locale.ROOT, "  %-24s read %,d  rejected %,d  unreachable (NULL key) %,d%n", t.name(),
          counters.getOrDefault("rows read: " + t.name(), 0L), counters.getOrDefault("rows rejected: " + t.name(), 0L),
          counters.getOrDefault("unreachable rows (NULL key): " + t.name(), 0L));
    }
    stdout.printf(Locale.ROOT, "  rows out %,d, rows rejected %,d%n", counters.getOrDefault("rows out", 0L),
        counters.entrySet().stream().filter(e -> e.getKey().startsWith("rows rejected")).mapToLong(Map.Entry::getValue).sum());
  }

  /**
   * Moves everything staged into the output folder, then writes _SUCCESS; returns the number of
   * feature rows in the parts at the top ({@code known} when it is already known, or -1).
   */
  private long publish(String staging, String dir, long known) throws IOException {
    long rows = OutputFolder.publish(staging, dir, known < 0);
    long total = known < 0 ? rows : known;
    Storage.writeString(dir + "/" + SUCCESS, "spec=" + spec.name() + "\nspec_sha256=" + spec.sha256()
        + "\nrows=" + total + "\ncolumns=" + spec.features().size() + "\n");
    return total;
  }
}
