package dev.tandem.pipelines;

import dev.tandem.beam.TandemFeatures;
import dev.tandem.beam.TandemParquet;
import dev.tandem.spec.FeatureSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import dev.tandem.spec.TableDef;
import java.util.Map;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.runners.dataflow.util.DataflowTemplateJob;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Runs {@code tandem features}: checks the data against the spec, runs the pipeline into a
 * staging folder inside {@code --out}, and only on success moves the Parquet parts into place
 * and writes {@code _SUCCESS}. A failed run leaves no output that looks complete.
 */
final class FeaturesJob {
  static final String SUCCESS = "_SUCCESS";
  static final String REJECTED = "_rejected";
  private static final String STAGING = ".tandem-staging";

  private final FeatureSpec spec;
  private final String data;
  private final String out;
  private final String runner;
  private final boolean overwrite;
  private final List<String> beamOptions;
  private final PrintWriter stdout;
  private final PrintWriter stderr;

  FeaturesJob(FeatureSpec spec, String data, String out, String runner, boolean overwrite, List<String> beamOptions,
      PrintWriter stdout, PrintWriter stderr) {
    this.spec = spec;
    this.data = data;
    this.out = out;
    this.runner = runner;
    this.overwrite = overwrite;
    this.beamOptions = beamOptions;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  int run() throws IOException {
    boolean localData = !data.contains("://");
    if (localData) {
      List<String> problems = TandemParquet.check(spec, Path.of(data));
      if (!problems.isEmpty()) {
        problems.forEach(p -> stderr.println("data error: " + p));
        return TandemCli.BAD_INPUT;
      }
    }
    PipelineOptions options = Runners.options(runner, beamOptions, stderr);
    if (options == null) {
      return TandemCli.BAD_INPUT;
    }
    // A local output is staged and published when complete; a remote one (gs://...) is written in place.
    boolean localOut = !out.contains("://");
    Path outPath = localOut ? Path.of(out) : null;
    if (localOut && !prepareOutput(outPath)) {
      return TandemCli.BAD_INPUT;
    }
    Path staging = localOut ? outPath.resolve(STAGING) : null;
    if (staging != null) {
      deleteRecursively(staging);
    }
    String target = localOut ? staging.toAbsolutePath().toString() : out;
    long start = System.nanoTime();
    try {
      Pipeline p = Pipeline.create(options);
      PCollectionRowTuple result = p
          .apply("Read tables", TandemParquet.read(spec, localData ? Path.of(data).toAbsolutePath().toString() : data))
          .apply("Features " + spec.name(), TandemFeatures.of(spec).withRejectedRows());
      result.get(TandemFeatures.FEATURES).apply("Write features", TandemParquet.write(spec, target));
      result.get(TandemFeatures.REJECTED).apply("Write rejected rows", TandemParquet.writeRejected(target + "/" + REJECTED));
      PipelineResult run = p.run();
      if (run instanceof DataflowTemplateJob) {
        stdout.println("Dataflow job template written to "
            + options.as(DataflowPipelineOptions.class).getTemplateLocation());
        return TandemCli.OK;
      }
      Map<String, Long> counters = JobProgress.follow(run, TandemFeatures.METRICS, stdout, start, 10);
      long rows = localOut ? publish(staging, outPath) : counters.getOrDefault("rows out", 0L);
      double seconds = (System.nanoTime() - start) / 1e9;
      stdout.printf(Locale.ROOT, "features: %d rows x %d columns -> %s (%.1f s, %s runner)%n",
          rows, spec.features().size(), out, seconds, runner);
      summary(counters);
      return TandemCli.OK;
    } catch (RuntimeException e) {
      if (staging != null) {
        deleteRecursively(staging);
      }
      Throwable cause = rootCause(e);
      if (cause instanceof IllegalArgumentException) {
        stderr.println("data error: " + cause.getMessage());
        return TandemCli.BAD_INPUT;
      }
      throw e;
    }
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

  /** Refuses to mix with an earlier table unless --overwrite, in which case it is removed first. */
  private boolean prepareOutput(Path out) throws IOException {
    Files.createDirectories(out);
    List<Path> existing = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(out)) {
      for (Path p : ds) {
        if (!p.getFileName().toString().equals(STAGING)) {
          existing.add(p);
        }
      }
    }
    if (existing.isEmpty()) {
      return true;
    }
    if (!overwrite) {
      stderr.println("output folder " + out + " is not empty; pass --overwrite to replace its feature table");
      return false;
    }
    for (Path p : existing) {
      String name = p.getFileName().toString();
      if (name.equals(SUCCESS) || name.equals(REJECTED) || (name.startsWith("part-") && name.endsWith(".parquet"))) {
        deleteRecursively(p);
      } else {
        stderr.println("output folder " + out + " holds " + name + ", which Tandem did not write; not overwriting");
        return false;
      }
    }
    return true;
  }

  /** Moves the staged parts (and rejected rows) into the output folder, then writes _SUCCESS; returns the row count. */
  private long publish(Path staging, Path out) throws IOException {
    long rows = 0;
    List<Path> parts = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(staging, "part-*.parquet")) {
      ds.forEach(parts::add);
    }
    for (Path part : parts) {
      try (ParquetFileReader r = ParquetFileReader.open(
          HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(part.toUri()), new Configuration()))) {
        rows += r.getRecordCount();
      }
      Files.move(part, out.resolve(part.getFileName()), StandardCopyOption.ATOMIC_MOVE);
    }
    if (Files.isDirectory(staging.resolve(REJECTED))) {
      Files.move(staging.resolve(REJECTED), out.resolve(REJECTED), StandardCopyOption.ATOMIC_MOVE);
    }
    deleteRecursively(staging);
    Files.writeString(out.resolve(SUCCESS), "spec=" + spec.name() + "\nspec_sha256=" + spec.sha256()
        + "\nrows=" + rows + "\ncolumns=" + spec.features().size() + "\n");
    return rows;
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
