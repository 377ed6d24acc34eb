package dev.tandem.pipelines;

import dev.tandem.beam.TandemParquet;
import dev.tandem.beam.TandemTrainingSet;
import dev.tandem.model.ModelException;
import dev.tandem.model.ModelMetadata;
import dev.tandem.spec.FeatureSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * {@code tandem score}: scores every row of a folder of Parquet files that carry model ids (a
 * training-set split, or candidates encoded the same way) with a model folder written by
 * {@code tandem train}, and writes the rows plus a {@code score} column to the output folder.
 */
final class ScoringJob {
  private final String model;
  private final FeatureSpec spec;
  private final Path data;
  private final Path out;
  private final String idsColumn;
  private final int batchSize;
  private final String runner;
  private final boolean overwrite;
  private final List<String> beamOptions;
  private final PrintWriter stdout;
  private final PrintWriter stderr;

  /** {@code spec}, when not null, must be the model's (the data's ids must have been encoded by it). */
  ScoringJob(String model, FeatureSpec spec, Path data, Path out, String idsColumn, int batchSize, String runner,
      boolean overwrite, List<String> beamOptions, PrintWriter stdout, PrintWriter stderr) {
    this.model = model;
    this.spec = spec;
    this.data = data;
    this.out = out;
    this.idsColumn = idsColumn;
    this.batchSize = batchSize;
    this.runner = runner;
    this.overwrite = overwrite;
    this.beamOptions = beamOptions;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  int run() throws IOException {
    if (batchSize < 1) {
      stderr.println("--batch-size must be at least 1, got " + batchSize);
      return TandemCli.BAD_INPUT;
    }
    ModelMetadata metadata;
    try {
      metadata = ModelMetadata.read(Path.of(model));
      if (spec != null) {
        metadata.check(spec);
      }
    } catch (ModelException e) {
      stderr.println("model error: " + e.getMessage());
      return TandemCli.BAD_INPUT;
    }
    if (out.toAbsolutePath().normalize().startsWith(data.toAbsolutePath().normalize())) {
      stderr.println("--out " + out + " is inside --data " + data + ": the input would be overwritten");
      return TandemCli.BAD_INPUT;
    }
    Schema input = inputSchema();
    if (input == null) {
      return TandemCli.BAD_INPUT;
    }
    PipelineOptions options = Runners.options(runner, beamOptions, stderr);
    if (options == null || !OutputFolder.prepare(out, overwrite, Set.of(OfflineJob.SUCCESS), stderr)) {
      return TandemCli.BAD_INPUT;
    }
    Path staging = out.resolve(OutputFolder.STAGING);
    OutputFolder.deleteRecursively(staging);
    long start = System.nanoTime();
    Pipeline p = Pipeline.create(options);
    BatchScoring scoring = new BatchScoring(Path.of(model).toAbsolutePath().toString(), idsColumn, batchSize, input);
    p.apply("Read " + data.getFileName(), ParquetIO.read(input).from(data.toAbsolutePath() + "/*.parquet"))
        .apply("Score with " + metadata.specName() + " model", scoring)
        .apply("Write scored rows", TandemParquet.writeRecords(scoring.outputSchema(), staging.toAbsolutePath().toString()));
    try {
      PipelineResult.State state = p.run().waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        stderr.println("scoring job ended " + state);
        OutputFolder.deleteRecursively(staging);
        return TandemCli.FAILED;
      }
    } catch (RuntimeException e) {
      OutputFolder.deleteRecursively(staging);
      return OfflineJob.dataError(e, stderr); // e.g. a row the model cannot take
    }
    long rows = OutputFolder.publish(staging, out, true);
    Files.writeString(out.resolve(OfflineJob.SUCCESS), "model=" + model + "\nspec=" + metadata.specName()
        + "\nspec_sha256=" + metadata.specSha256() + "\nrows=" + rows + "\n");
    stdout.printf(Locale.ROOT, "scored %,d rows -> %s (%.1f s, %s runner, batches of %d)%n", rows, out,
        (System.nanoTime() - start) / 1e9, runner, batchSize);
    return TandemCli.OK;
  }

  /** The Avro schema of the input files (from the first file's footer), checked to carry the ids column. */
  private Schema inputSchema() throws IOException {
    if (!Files.isDirectory(data)) {
      stderr.println("data error: " + data + " is not a folder");
      return null;
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(data, "*.parquet")) {
      ds.forEach(files::add);
    }
    if (files.isEmpty()) {
      stderr.println("data error: " + data + " holds no .parquet file");
      return null;
    }
    files.sort(null);
    Schema schema;
    try (ParquetFileReader r = ParquetFileReader.open(
        HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(files.get(0).toUri()), new Configuration()))) {
      String avro = r.getFooter().getFileMetaData().getKeyValueMetaData().get("parquet.avro.schema");
      schema = avro != null ? new Schema.Parser().parse(avro)
          : new AvroSchemaConverter().convert(r.getFooter().getFileMetaData().getSchema());
    }
    Schema.Field ids = schema.getField(idsColumn);
    if (ids == null) {
      stderr.println("data error: " + files.get(0) + " has no column '" + idsColumn + "' (the model's ids; "
          + TandemTrainingSet.MODEL_IDS + " in a training set)");
      return null;
    }
    return schema;
  }
}
