package dev.tandem.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A parsed, validated and compiled feature spec: the entry point of this module.
 *
 * <pre>{@code
 * FeatureSpec spec = FeatureSpec.load(Path.of("feature-spec/specs/jd.yaml")); // throws SpecException
 * FeaturePlan plan = spec.plan();   // what Beam and the server evaluate
 * }</pre>
 *
 * A spec that loads never fails later for a reason its text could have revealed: names, types,
 * arities, windows and references are all checked here.
 */
public final class FeatureSpec {
  private final String file;
  private final String text;
  private final String sha256;
  private final String name;
  private final int version;
  private final ZoneOffset timezone;
  private final List<TableDef> tables;
  private final List<WindowDef> windows;
  private final List<JoinDef> joins;
  private final List<FeatureDef> features;
  private final String label;
  private final ModelDef model;
  private final FeaturePlan plan;
  private final ServingPlan serving;

  FeatureSpec(String file, String text, String sha256, String name, int version, ZoneOffset timezone, List<TableDef> tables,
      List<WindowDef> windows, List<JoinDef> joins, List<FeatureDef> features, String label, ModelDef model,
      FeaturePlan plan, ServingPlan serving) {
    this.file = file;
    this.text = text;
    this.sha256 = sha256;
    this.name = name;
    this.version = version;
    this.timezone = timezone;
    this.tables = tables;
    this.windows = windows;
    this.joins = joins;
    this.features = List.copyOf(features);
    this.label = label;
    this.model = model;
    this.plan = plan;
    this.serving = serving;
  }

  /** Reads and compiles a spec file; errors name this file. */
  public static FeatureSpec load(Path path) throws SpecException, IOException {
    return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
  }

  /** Compiles spec text; {@code fileName} is used in error messages. */
  public static FeatureSpec parse(String text, String fileName) throws SpecException {
    return new SpecCompiler(fileName, text).compile();
  }

  public String file() {
    return file;
  }

  /** The spec's text, as read: enough to rebuild this spec anywhere with {@link #parse}. */
  public String text() {
    return text;
  }

  /** SHA-256 of the spec text, to tie artifacts (training sets, models) to the spec that made them. */
  public String sha256() {
    return sha256;
  }

  public String name() {
    return name;
  }

  public int version() {
    return version;
  }

  /** The zone of calendar functions ({@code dayofweek}, {@code hour}, ...) and timestamp text. */
  public ZoneOffset timezone() {
    return timezone;
  }

  public List<TableDef> tables() {
    return tables;
  }

  public TableDef table(String tableName) {
    return tables.stream().filter(t -> t.name().equals(tableName)).findFirst().orElse(null);
  }

  public List<WindowDef> windows() {
    return windows;
  }

  public List<JoinDef> joins() {
    return joins;
  }

  /** The output columns, in order, with their types. */
  public List<FeatureDef> features() {
    return features;
  }

  /** The label feature's name, or {@code null}. */
  public String label() {
    return label;
  }

  /** The model section, or {@code null}. */
  public ModelDef model() {
    return model;
  }

  public FeaturePlan plan() {
    return plan;
  }

  /** The serving section (how a live request becomes request rows), or {@code null}. */
  public ServingPlan serving() {
    return serving;
  }

  /** The model-input encoder of the {@code model} section. */
  public ModelEncoder modelEncoder() {
    if (model == null) {
      throw new IllegalStateException(file + " has no model section");
    }
    return new ModelEncoder(this);
  }
}
