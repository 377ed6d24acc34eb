package dev.tandem.pipelines;

import dev.tandem.beam.TandemParquet;
import dev.tandem.beam.TandemTrainingSet;
import dev.tandem.model.ModelException;
import dev.tandem.model.ModelMetadata;
import dev.tandem.spec.FeatureSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.metadata.FileMetaData;

/**
 * {@code tandem score}: scores every row of a folder of Parquet files that carry model ids (a
 * training-set split, or candidates encoded the same way) with a model folder written by
 * {@code tandem train}, and writes the rows plus a {@code score} column to the output folder.
 * Model, data and output may be on any Beam file system (local, gs://, hdfs://...).
 */
final class ScoringJob {
  private final String model;
  private final FeatureSpec spec;
  private final String data;
  private final String out;
  private final String idsColumn;
  private final int batchSize;
  private final String runner;
  private final boolean overwrite;
  private final List<String> beamOptions;
  private final PrintWriter stdout;
  private final PrintWriter stderr;

  /** {@code spec}, when not null, must be the model's (the data's ids must have been encoded by it). */
  ScoringJob(String model, FeatureSpec spec, String data, String out, String idsColumn, int batchSize, String runner,
      boolean overwrite, List<String> beamOptions, PrintWriter stdout, PrintWriter stderr) {
    this.model = Storage.folder(model);
    this.spec = spec;
    this.data = Storage.folder(data);
    this.out = Storage.folder(out);
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
    PipelineOptions options = Runners.options(runner, beamOptions, stderr);
    if (options == null) {
      return TandemCli.BAD_INPUT;
    }
    FileSystems.setDefaultPipelineOptions(options);
    ModelMetadata metadata;
    try {
      metadata = ModelMetadata.read(BatchScoring.localModel(model));
      if (spec != null) {
        metadata.check(spec);
      }
    } catch (ModelException | IllegalArgumentException e) {
      stderr.println("model error: " + e.getMessage());
      return TandemCli.BAD_INPUT;
    }
    if ((out + "/").startsWith(data + "/")) {
      stderr.println("--out " + out + " is inside --data " + data + ": the input would be overwritten");
      return TandemCli.BAD_INPUT;
    }
    Schema input = inputSchema();
    if (input == null || !OutputFolder.prepare(out, overwrite, Set.of(OfflineJob.SUCCESS), stderr)) {
      return TandemCli.BAD_INPUT;
    }
    String staging = OutputFolder.staging(out);
    OutputFolder.delete(staging);
    long start = System.nanoTime();
    Pipeline p = Pipeline.create(options);
    BatchScoring scoring = new BatchScoring(model, idsColumn, batchSize, input);
    p.apply("Read " + data.substring(data.lastIndexOf('/') + 1), ParquetIO.read(input).from(data + "/*.parquet"))
        .apply("Score with " + metadata.specName() + " model", scoring)
        .apply("Write scored rows", TandemParquet.writeRecords(scoring.outputSchema(), staging));
    try {
      PipelineResult.State state = p.run().waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        stderr.println("scoring job ended " + state);
        OutputFolder.delete(staging);
        return TandemCli.FAILED;
      }
    } catch (RuntimeException e) {
      OutputFolder.delete(staging);
      return OfflineJob.dataError(e, stderr); // e.g. a row the model cannot take
    }
    long rows = OutputFolder.publish(staging, out, true);
    Storage.writeString(out + "/" + OfflineJob.SUCCESS, "model=" + model + "\nspec=" + metadata.specName()
        + "\nspec_sha256=" + metadata.specSha256() + "\nrows=" + rows + "\n");
    stdout.printf(Locale.ROOT, "scored %,d rows -> %s (%.1f s, %s runner, batches of %d)%n", rows, out,
        (System.nanoTime() - start) / 1e9, runner, batchSize);
    return TandemCli.OK;
  }

  /** The Avro schema of the input files (from the first file's footer), checked to carry the ids column. */
  private Schema inputSchema() throws IOException {
    List<MatchResult.Metadata> files = Storage.match(data + "/*.parquet");
    if (files.isEmpty()) {
      stderr.println("data error: " + data + " holds no .parquet file");
      return null;
    }
    FileMetaData footer = Storage.parquetFooter(files.get(0)).getFileMetaData();
    String avro = footer.getKeyValueMetaData().get("parquet.avro.schema");
    Schema schema = avro != null ? new Schema.Parser().parse(avro) : new AvroSchemaConverter().convert(footer.getSchema());
    Schema.Field ids = schema.getField(idsColumn);
    if (ids == null) {
      stderr.println("data error: " + files.get(0).resourceId() + " has no column '" + idsColumn + "' (the model's ids; "
          + TandemTrainingSet.MODEL_IDS + " in a training set)");
      return null;
    }
    return schema;
  }
}
