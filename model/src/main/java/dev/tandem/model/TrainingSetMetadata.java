package dev.tandem.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.ModelDef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A training set's {@value #FILE}, written by {@code tandem training-set} and read by the trainer:
 * the spec (name, version, SHA-256), the feature order and types, the label, how the model ids are
 * made (column, hash, seed, inputs), the split cut points, and per split the rows, positives and
 * label rate. One record per JSON object of the file, read and written by {@link JsonFiles}.
 * {@code features} and {@code split} are descriptive: a file without them (a training set written
 * by other code) still trains, and so does one without {@code label_rate}.
 */
public record TrainingSetMetadata(
    @JsonProperty("spec") SpecRef spec,
    @JsonProperty("features") @JsonSetter(nulls = Nulls.AS_EMPTY) List<Feature> features,
    @JsonProperty("label") String label,
    @JsonProperty("model_ids") ModelIds modelIds,
    @JsonProperty("split") @JsonSetter(nulls = Nulls.SET) @JsonInclude(JsonInclude.Include.NON_NULL) SplitRule split,
    @JsonProperty("splits") Splits<SplitCounts> splits) {

  public static final String FILE = "metadata.json";

  public TrainingSetMetadata {
    features = List.copyOf(features);
  }

  /** A column of the training set: the feature's name and its spec type ({@code string}, {@code bigint}, ...). */
  public record Feature(@JsonProperty("name") String name, @JsonProperty("type") String type) {}

  /** The {@code column} of model ids: xxHash64 seeded by {@code seed} of each input, in this order. */
  public record ModelIds(@JsonProperty("column") String column, @JsonProperty("hash") String hash,
      @JsonProperty("seed") long seed, @JsonProperty("inputs") List<ModelDef.Input> inputs) {
    public ModelIds {
      inputs = List.copyOf(inputs);
    }
  }

  /** How rows were split: by request time, at two instants (ISO-8601). */
  public record SplitRule(@JsonProperty("by") String by, @JsonProperty("validation_from") String validationFrom,
      @JsonProperty("test_from") String testFrom) {}

  /** A split's rows and positive labels; {@code labelRate} = positives / rows (6 decimals), NaN where the file omits it. */
  public record SplitCounts(@JsonProperty("rows") long rows, @JsonProperty("positives") long positives,
      @JsonProperty("label_rate") @JsonSetter(nulls = Nulls.SET) Double labelRate) {

    public SplitCounts {
      labelRate = labelRate == null ? Double.NaN : labelRate;
    }

    public static SplitCounts of(long rows, long positives) {
      return new SplitCounts(rows, positives, rows == 0 ? 0.0 : Math.round(1e6 * positives / rows) / 1e6);
    }
  }

  /**
   * The metadata of a training set of {@code spec} with its model ids in {@code idsColumn}, split
   * at {@code validationFrom} and {@code testFrom}, with these counts.
   */
  public static TrainingSetMetadata of(FeatureSpec spec, String idsColumn, Instant validationFrom, Instant testFrom,
      Splits<SplitCounts> splits) {
    if (spec.label() == null || spec.model() == null) {
      throw new IllegalArgumentException("spec '" + spec.name() + "' has no label or no model section");
    }
    List<Feature> features = spec.features().stream().map(f -> new Feature(f.name(), f.type().specName())).toList();
    return new TrainingSetMetadata(new SpecRef(spec.name(), spec.version(), spec.sha256()), features, spec.label(),
        new ModelIds(idsColumn, "xxh64", spec.model().seed(), spec.model().inputs()),
        new SplitRule("request time", validationFrom.toString(), testFrom.toString()), splits);
  }

  /**
   * Reads {@code dir/metadata.json}; a folder without one, or a file that is not valid JSON or
   * lacks a field or has one of the wrong type, is a {@link ModelException} naming the file and field.
   */
  public static TrainingSetMetadata read(Path dir) throws ModelException, IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new ModelException(dir + " has no " + FILE + ": not a training set written by `tandem training-set`");
    }
    return JsonFiles.read(file, TrainingSetMetadata.class);
  }

  /** The file's text. */
  public String toJson() {
    return JsonFiles.toJson(this);
  }

  /** Writes {@code dir/metadata.json}. */
  public void write(Path dir) throws IOException {
    JsonFiles.write(dir.resolve(FILE), this);
  }
}
