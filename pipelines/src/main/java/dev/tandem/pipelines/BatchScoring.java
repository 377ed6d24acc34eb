package dev.tandem.pipelines;

import dev.tandem.model.ModelException;
import dev.tandem.model.Scorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.PCollection;

/**
 * A Beam step that scores rows carrying model ids (a training-set split, or candidates encoded
 * the same way) with a SavedModel: each output row is the input row plus a {@value #SCORE} field.
 * Rows are scored in batches; each worker JVM loads the model once and shares it between its
 * threads ({@link Scorer#score} is thread-safe). The model folder may be on any Beam file system.
 */
final class BatchScoring extends PTransform<PCollection<GenericRecord>, PCollection<GenericRecord>> {
  static final String SCORE = "score";

  private final String modelDir;
  private final String idsColumn;
  private final int batchSize;
  private final Schema outputSchema;

  BatchScoring(String modelDir, String idsColumn, int batchSize, Schema inputSchema) {
    this.modelDir = modelDir;
    this.idsColumn = idsColumn;
    this.batchSize = batchSize;
    this.outputSchema = outputSchema(inputSchema);
  }

  Schema outputSchema() {
    return outputSchema;
  }

  /** The input's fields, then {@code score} (float). */
  static Schema outputSchema(Schema input) {
    if (input.getField(SCORE) != null) {
      throw new IllegalArgumentException("the input already has a field named '" + SCORE + "'");
    }
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : input.getFields()) {
      fields.add(new Schema.Field(f, f.schema()));
    }
    fields.add(new Schema.Field(SCORE, Schema.create(Schema.Type.FLOAT), "the model's probability of the positive class"));
    return Schema.createRecord(input.getName(), input.getDoc(), input.getNamespace(), false, fields);
  }

  @Override
  public PCollection<GenericRecord> expand(PCollection<GenericRecord> input) {
    // Batches are emitted from @FinishBundle into the global window: the input must be in it.
    if (!(input.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      throw new IllegalArgumentException("BatchScoring takes globally windowed rows, got "
          + input.getWindowingStrategy().getWindowFn());
    }
    return input.apply("Score in batches of " + batchSize, ParDo.of(new ScoreFn(modelDir, idsColumn, batchSize, outputSchema.toString())))
        .setCoder(AvroCoder.of(outputSchema));
  }

  /**
   * One model per worker JVM, loaded at the first setup and kept for the JVM's life; keyed by the
   * folder and the time its SavedModel was written, so a model retrained into the same folder is
   * loaded afresh (and the old one closed).
   */
  private static final Map<String, Scorer> MODELS = new HashMap<>();

  /** Local copies of models on other file systems, by folder and version (one per JVM). */
  private static final Map<String, Path> COPIES = new HashMap<>();

  static synchronized Scorer model(String modelDir) {
    String key = version(modelDir);
    Scorer scorer = MODELS.get(key);
    if (scorer == null) {
      MODELS.entrySet().removeIf(old -> {
        boolean stale = old.getKey().startsWith(modelDir + "@");
        if (stale) {
          old.getValue().close();
        }
        return stale;
      });
      try {
        scorer = Scorer.load(localModel(modelDir));
      } catch (ModelException | IOException e) {
        throw new IllegalArgumentException("cannot load the model in " + modelDir + ": " + e.getMessage(), e);
      }
      MODELS.put(key, scorer);
    }
    return scorer;
  }

  /**
   * The model folder as a local path: itself when it is local; else (gs://, hdfs://...) a copy in
   * this JVM's temporary folder, made once per version of the model and deleted when the JVM exits.
   */
  static synchronized Path localModel(String modelDir) {
    Optional<Path> local = Storage.localPath(modelDir);
    if (local.isPresent()) {
      return local.get();
    }
    String key = version(modelDir);
    Path copy = COPIES.get(key);
    if (copy == null) {
      try {
        copy = Files.createTempDirectory("tandem-model-");
        Storage.copyToLocal(modelDir, copy);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot copy the model in " + modelDir + ": " + e.getMessage(), e);
      }
      Path made = copy;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> Storage.deleteLocal(made)));
      COPIES.put(key, copy);
    }
    return copy;
  }

  /** The folder and the time its SavedModel was written. */
  private static String version(String modelDir) {
    try {
      return modelDir + "@" + FileSystems.matchSingleFileSpec(modelDir + "/saved_model.pb").lastModifiedMillis();
    } catch (IOException e) {
      throw new IllegalArgumentException("no SavedModel in " + modelDir + ": " + e.getMessage(), e);
    }
  }

  static final class ScoreFn extends DoFn<GenericRecord, GenericRecord> {
    private final String modelDir;
    private final String idsColumn;
    private final int batchSize;
    private final String outputSchemaJson;
    private transient Scorer scorer;
    private transient Schema outputSchema;
    private transient List<GenericRecord> batch;

    ScoreFn(String modelDir, String idsColumn, int batchSize, String outputSchemaJson) {
      this.modelDir = modelDir;
      this.idsColumn = idsColumn;
      this.batchSize = batchSize;
      this.outputSchemaJson = outputSchemaJson;
    }

    @Setup
    public void setup() {
      scorer = model(modelDir);
      outputSchema = new Schema.Parser().parse(outputSchemaJson);
    }

    @StartBundle
    public void startBundle() {
      batch = new ArrayList<>(batchSize);
    }

    @ProcessElement
    public void process(@Element GenericRecord row, OutputReceiver<GenericRecord> out) {
      batch.add(row);
      if (batch.size() == batchSize) {
        for (GenericRecord scored : flush()) {
          out.output(scored);
        }
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      for (GenericRecord scored : flush()) {
        context.output(scored, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
      }
    }

    private List<GenericRecord> flush() {
      if (batch.isEmpty()) {
        return List.of();
      }
      long[][] ids = new long[batch.size()][];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = ids(batch.get(i));
      }
      float[] scores = scorer.score(ids);
      List<GenericRecord> out = new ArrayList<>(batch.size());
      for (int i = 0; i < scores.length; i++) {
        GenericRecord in = batch.get(i);
        GenericData.Record scored = new GenericData.Record(outputSchema);
        for (Schema.Field f : in.getSchema().getFields()) {
          scored.put(f.pos(), in.get(f.pos()));
        }
        scored.put(SCORE, scores[i]);
        out.add(scored);
      }
      batch.clear();
      return out;
    }

    /** The row's ids: a list of longs (or of one-field records, as some Parquet list layouts read back). */
    private long[] ids(GenericRecord row) {
      Object value = row.get(idsColumn);
      if (!(value instanceof Collection<?> list)) {
        throw new IllegalArgumentException("column '" + idsColumn + "' is " + (value == null ? "NULL" : value.getClass().getSimpleName())
            + ", not a list of ids, in row " + row);
      }
      if (list.size() != scorer.width()) {
        throw new IllegalArgumentException("column '" + idsColumn + "' holds " + list.size() + " ids, the model takes "
            + scorer.width() + ", in row " + row);
      }
      long[] ids = new long[list.size()];
      int i = 0;
      for (Object element : list) {
        Object id = element instanceof GenericRecord r ? r.get(0) : element;
        if (!(id instanceof Long l)) {
          throw new IllegalArgumentException("column '" + idsColumn + "' holds " + id + ", not an int64 id");
        }
        ids[i++] = l;
      }
      return ids;
    }
  }
}
