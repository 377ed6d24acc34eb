package dev.tandem.model;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.ModelDef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a model folder's {@value #FILE} says: the spec the model was trained for (name, SHA-256,
 * the ids' hash seed), its inputs in order (= the columns of {@code feature_ids}), its shape, and
 * how it scored. {@link #check} refuses a spec the model was not trained for.
 */
public record ModelMetadata(String specName, String specSha256, long hashSeed, List<ModelDef.Input> inputs,
    int tableSize, int embeddingDim, List<Integer> dnn, Evaluation evaluation) {

  public static final String FILE = "tandem-model.json";

  /** Validation figures of the kept (best) epoch and test figures of the exported weights. */
  public record Evaluation(int bestEpoch, double validationAuc, double validationLogLoss, double testAuc,
      double testLogLoss, Metrics.Interval testAucInterval) {}

  public ModelMetadata {
    inputs = List.copyOf(inputs);
    dnn = List.copyOf(dnn);
  }

  /** Reads {@code modelDir/tandem-model.json}. */
  public static ModelMetadata read(Path modelDir) throws ModelException, IOException {
    Path file = modelDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new ModelException(modelDir + " is not a Tandem model folder: " + FILE + " not found");
    }
    Map<String, Object> json = Json.readObject(file);
    List<Integer> dnn = new ArrayList<>();
    for (Object width : Json.get(json, file, "architecture.dnn", List.class)) {
      dnn.add(((Number) width).intValue());
    }
    Map<?, ?> interval = Json.get(json, file, "evaluation.test_auc_95", Map.class);
    return new ModelMetadata(
        Json.get(json, file, "spec.name", String.class),
        Json.get(json, file, "spec.sha256", String.class),
        Json.get(json, file, "model_ids.seed", Number.class).longValue(),
        inputs(Json.get(json, file, "model_ids.inputs", List.class), file),
        Json.get(json, file, "architecture.table_size", Number.class).intValue(),
        Json.get(json, file, "architecture.embedding_dim", Number.class).intValue(),
        dnn,
        new Evaluation(
            Json.get(json, file, "evaluation.best_epoch", Number.class).intValue(),
            number(json.get("evaluation"), "validation_auc"),
            number(json.get("evaluation"), "validation_logloss"),
            number(json.get("evaluation"), "test_auc"),
            number(json.get("evaluation"), "test_logloss"),
            new Metrics.Interval(number(interval, "low"), number(interval, "high"),
                Json.get(json, file, "evaluation.test_auc_95.resamples", Number.class).intValue())));
  }

  /** A metric that may be null in the file (not defined, e.g. an AUC without positives): NaN. */
  private static double number(Object map, String key) {
    return ((Map<?, ?>) map).get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** Writes {@code dir/tandem-model.json}. */
  void write(Path dir) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("format", "tandem-model/1");
    json.put("spec", Map.of("name", specName, "sha256", specSha256));
    Map<String, Object> ids = new LinkedHashMap<>();
    ids.put("hash", "xxh64");
    ids.put("seed", hashSeed);
    ids.put("inputs", inputsJson(inputs));
    json.put("model_ids", ids);
    Map<String, Object> signature = new LinkedHashMap<>();
    signature.put("key", ServingExport.SIGNATURE);
    signature.put("input", ServingExport.INPUT + ": int64 [-1, " + inputs.size() + "]");
    signature.put("output", ServingExport.OUTPUT + ": float [-1, 1]");
    json.put("signature", signature);
    Map<String, Object> architecture = new LinkedHashMap<>();
    architecture.put("type", "deepfm");
    architecture.put("table_size", tableSize);
    architecture.put("embedding_dim", embeddingDim);
    architecture.put("dnn", dnn);
    json.put("architecture", architecture);
    Map<String, Object> eval = new LinkedHashMap<>();
    eval.put("best_epoch", evaluation.bestEpoch());
    eval.put("validation_auc", evaluation.validationAuc());
    eval.put("validation_logloss", evaluation.validationLogLoss());
    eval.put("test_auc", evaluation.testAuc());
    eval.put("test_logloss", evaluation.testLogLoss());
    eval.put("test_auc_95", intervalJson(evaluation.testAucInterval()));
    json.put("evaluation", eval);
    Files.writeString(dir.resolve(FILE), Json.write(json), StandardCharsets.UTF_8);
  }

  static Map<String, Object> intervalJson(Metrics.Interval interval) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("low", interval.low());
    json.put("high", interval.high());
    json.put("resamples", interval.resamples());
    return json;
  }

  /**
   * Refuses a spec this model was not trained for: a different name, text (SHA-256), id hash seed,
   * or inputs (feature, encoding, boundaries, in order). The message lists every difference.
   */
  public void check(FeatureSpec spec) throws ModelException {
    List<String> differences = new ArrayList<>();
    if (!spec.name().equals(specName)) {
      differences.add("spec name: model '" + specName + "', spec '" + spec.name() + "'");
    }
    if (!spec.sha256().equals(specSha256)) {
      differences.add("spec sha256: model " + specSha256 + ", spec " + spec.sha256());
    }
    if (spec.model() == null) {
      differences.add("the spec has no model section");
    } else {
      if (spec.model().seed() != hashSeed) {
        differences.add("id hash seed: model " + hashSeed + ", spec " + spec.model().seed());
      }
      List<ModelDef.Input> specInputs = spec.model().inputs();
      if (specInputs.size() != inputs.size()) {
        differences.add("number of inputs: model " + inputs.size() + ", spec " + specInputs.size());
      }
      for (int i = 0; i < Math.min(specInputs.size(), inputs.size()); i++) {
        if (!sameInput(inputs.get(i), specInputs.get(i))) {
          differences.add("input " + i + ": model " + describe(inputs.get(i)) + ", spec " + describe(specInputs.get(i)));
        }
      }
    }
    if (!differences.isEmpty()) {
      throw new ModelException("the model was not trained for spec " + spec.file() + " ('" + spec.name() + "'):\n  "
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

  /** Inputs from their JSON form, as metadata.json and tandem-model.json write them. */
  static List<ModelDef.Input> inputs(List<?> json, Path file) throws ModelException {
    List<ModelDef.Input> inputs = new ArrayList<>();
    for (Object item : json) {
      if (!(item instanceof Map<?, ?> map) || !(map.get("feature") instanceof String feature)
          || !(map.get("encoding") instanceof String encoding)) {
        throw new ModelException(file + ": model input " + item + " needs a feature and an encoding");
      }
      ModelDef.Encoding kind;
      try {
        kind = ModelDef.Encoding.valueOf(encoding.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ModelException(file + ": model input " + feature + " has unknown encoding '" + encoding + "'");
      }
      List<Double> boundaries = new ArrayList<>();
      if (map.get("boundaries") instanceof List<?> values) {
        for (Object v : values) {
          boundaries.add(((Number) v).doubleValue());
        }
      }
      inputs.add(new ModelDef.Input(feature, kind, List.copyOf(boundaries)));
    }
    return inputs;
  }

  static List<Object> inputsJson(List<ModelDef.Input> inputs) {
    List<Object> json = new ArrayList<>();
    for (ModelDef.Input input : inputs) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("feature", input.feature());
      item.put("encoding", input.encoding().name().toLowerCase(Locale.ROOT));
      if (input.encoding() == ModelDef.Encoding.BUCKETS) {
        item.put("boundaries", input.boundaries());
      }
      json.add(item);
    }
    return json;
  }
}
