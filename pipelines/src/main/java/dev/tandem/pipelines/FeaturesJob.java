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
import org.apache.beam.sdk.Pipeline;
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
  private static final String STAGING = ".tandem-staging";

  private final FeatureSpec spec;
  private final Path data;
  private final Path out;
  private final String runner;
  private final boolean overwrite;
  private final List<String> beamOptions;
  private final PrintWriter stdout;
  private final PrintWriter stderr;

  FeaturesJob(FeatureSpec spec, Path data, Path out, String runner, boolean overwrite, List<String> beamOptions,
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
    List<String> problems = TandemParquet.check(spec, data);
    if (!problems.isEmpty()) {
      problems.forEach(p -> stderr.println("data error: " + p));
      return TandemCli.BAD_INPUT;
    }
    if (!prepareOutput()) {
      return TandemCli.BAD_INPUT;
    }
    PipelineOptions options = Runners.options(runner, beamOptions, stderr);
    if (options == null) {
      return TandemCli.BAD_INPUT;
    }
    Path staging = out.resolve(STAGING);
    deleteRecursively(staging);
    long start = System.nanoTime();
    try {
      Pipeline p = Pipeline.create(options);
      p.apply("Read tables", TandemParquet.read(spec, data.toAbsolutePath().toString()))
          .apply("Features " + spec.name(), TandemFeatures.of(spec))
          .apply("Write features", TandemParquet.write(spec, staging.toAbsolutePath().toString()));
      p.run().waitUntilFinish();
      long rows = publish(staging);
      double seconds = (System.nanoTime() - start) / 1e9;
      stdout.printf(Locale.ROOT, "features: %d rows x %d columns -> %s (%.1f s, %s runner)%n",
          rows, spec.features().size(), out, seconds, runner);
      return TandemCli.OK;
    } catch (RuntimeException e) {
      deleteRecursively(staging);
      Throwable cause = rootCause(e);
      if (cause instanceof IllegalArgumentException) {
        stderr.println("data error: " + cause.getMessage());
        return TandemCli.BAD_INPUT;
      }
      throw e;
    }
  }

  /** Refuses to mix with an earlier table unless --overwrite, in which case it is removed first. */
  private boolean prepareOutput() throws IOException {
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
      if (name.equals(SUCCESS) || (name.startsWith("part-") && name.endsWith(".parquet"))) {
        Files.delete(p);
      } else {
        stderr.println("output folder " + out + " holds " + name + ", which Tandem did not write; not overwriting");
        return false;
      }
    }
    return true;
  }

  /** Moves the staged parts into the output folder, then writes _SUCCESS; returns the row count. */
  private long publish(Path staging) throws IOException {
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
