package dev.tandem.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.ModelDef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a model folder's {@value #FILE} says: the spec the model was trained for (name, SHA-256,
 * the ids' hash seed), its inputs in order (= the columns of {@code feature_ids}), the serving
 * signature, its shape, and how it scored. One record per JSON object of the file, read and
 * written by {@link JsonFiles}. {@link #check} refuses a spec the model was not trained for.
 */
public record ModelMetadata(
    @JsonProperty("format") String format,
    @JsonProperty("spec") SpecRef spec,
    @JsonProperty("model_ids") ModelIds modelIds,
    @JsonProperty("signature") Signature signature,
    @JsonProperty("architecture") Shape architecture,
    @JsonProperty("evaluation") Evaluation evaluation) {

  public static final String FILE = "tandem-model.json";
  public static final String FORMAT = "tandem-model/1";

  /** How rows become {@code feature_ids}: xxHash64 with {@code seed} of each input, in this order. */
  public record ModelIds(@JsonProperty("hash") String hash, @JsonProperty("seed") long seed,
      @JsonProperty("inputs") List<ModelDef.Input> inputs) {
    public ModelIds {
      inputs = List.copyOf(inputs);
    }
  }

  /** The SavedModel's serving signature, in words ({@code "feature_ids: int64 [-1, 33]"}). */
  public record Signature(@JsonProperty("key") String key, @JsonProperty("input") String input,
      @JsonProperty("output") String output) {}

  /** The network: {@code deepfm}, the shared table's rows, the embedding width, the hidden layers. */
  public record Shape(@JsonProperty("type") String type, @JsonProperty("table_size") int tableSize,
      @JsonProperty("embedding_dim") int embeddingDim, @JsonProperty("dnn") List<Integer> dnn) {
    public Shape {
      dnn = List.copyOf(dnn);
    }
  }

  /**
   * Validation figures of the kept (best) epoch and test figures of the exported weights; a
   * figure that is not defined (an AUC without positives) is NaN, {@code null} in the file.
   */
  public record Evaluation(
      @JsonProperty("best_epoch") int bestEpoch,
      @JsonProperty("validation_auc") double validationAuc,
      @JsonProperty("validation_logloss") double validationLogLoss,
      @JsonProperty("test_auc") double testAuc,
      @JsonProperty("test_logloss") double testLogLoss,
      @JsonProperty("test_auc_95") Metrics.Interval testAucInterval) {}

  @JsonCreator
  public ModelMetadata {
  }

  /** The metadata of a model trained on a training set of {@code spec}, exported with the serving signature. */
  public ModelMetadata(String specName, String specSha256, long hashSeed, List<ModelDef.Input> inputs,
      int tableSize, int embeddingDim, List<Integer> dnn, Evaluation evaluation) {
    this(FORMAT, new SpecRef(specName, specSha256), new ModelIds("xxh64", hashSeed, inputs),
        new Signature(ServingExport.SIGNATURE, ServingExport.INPUT + ": int64 [-1, " + inputs.size() + "]",
            ServingExport.OUTPUT + ": float [-1, 1]"),
        new Shape("deepfm", tableSize, embeddingDim, dnn), evaluation);
  }

  /**
   * Reads {@code modelDir/tandem-model.json}; a folder without one, or a file that is not valid
   * JSON or lacks a field or has one of the wrong type, is a {@link ModelException} naming the
   * file and the field.
   */
  public static ModelMetadata read(Path modelDir) throws ModelException, IOException {
    Path file = modelDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new ModelException(modelDir + " is not a Tandem model folder: " + FILE + " not found");
    }
    return JsonFiles.read(file, ModelMetadata.class);
  }

  /** Writes {@code dir/tandem-model.json}. */
  void write(Path dir) throws IOException {
    JsonFiles.write(dir.resolve(FILE), this);
  }

  public String specName() {
    return spec.name();
  }

  public String specSha256() {
    return spec.sha256();
  }

  public long hashSeed() {
    return modelIds.seed();
  }

  /** The inputs in order: column {@code i} of {@code feature_ids} is input {@code i}. */
  public List<ModelDef.Input> inputs() {
    return modelIds.inputs();
  }

  public int tableSize() {
    return architecture.tableSize();
  }

  public int embeddingDim() {
    return architecture.embeddingDim();
  }

  public List<Integer> dnn() {
    return architecture.dnn();
  }

  /**
   * Refuses a spec this model was not trained for: a different name, text (SHA-256), id hash seed,
   * or inputs (feature, encoding, boundaries, in order). The message lists every difference.
   */
  public void check(FeatureSpec featureSpec) throws ModelException {
    List<String> differences = new ArrayList<>();
    if (!featureSpec.name().equals(specName())) {
      differences.add("spec name: model '" + specName() + "', spec '" + featureSpec.name() + "'");
    }
    if (!featureSpec.sha256().equals(specSha256())) {
      differences.add("spec sha256: model " + specSha256() + ", spec " + featureSpec.sha256());
    }
    if (featureSpec.model() == null) {
      differences.add("the spec has no model section");
    } else {
      if (featureSpec.model().seed() != hashSeed()) {
        differences.add("id hash seed: model " + hashSeed() + ", spec " + featureSpec.model().seed());
      }
      List<ModelDef.Input> specInputs = featureSpec.model().inputs();
      if (specInputs.size() != inputs().size()) {
        differences.add("number of inputs: model " + inputs().size() + ", spec " + specInputs.size());
      }
      for (int i = 0; i < Math.min(specInputs.size(), inputs().size()); i++) {
        if (!sameInput(inputs().get(i), specInputs.get(i))) {
          differences.add("input " + i + ": model " + describe(inputs().get(i)) + ", spec " + describe(specInputs.get(i)));
        }
      }
    }
    if (!differences.isEmpty()) {
      throw new ModelException("the model was not trained for spec " + featureSpec.file() + " ('" + featureSpec.name() + "'):\n  "
          + String.join("\n  ", differences));
    }
  }

  private static boolean sameInput(ModelDef.Input a, ModelDef.Input b) {
    return a.feature().equals(b.feature()) && a.encoding() == b.encoding() && a.boundaries().equals(b.boundaries());
  }

  private static String describe(ModelDef.Input input) {
    return input.feature() + " (" + input.encoding().name().toLowerCase(Locale.ROOT)
        + (input.encoding() == ModelDef.Encoding.BUCKETS ? " " + input.boundaries() : "") + ")";
  }
}
