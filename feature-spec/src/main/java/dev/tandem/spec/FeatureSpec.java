package dev.tandem.spec;

import dev.tandem.spec.compile.CompiledSpec;
import dev.tandem.spec.compile.SpecCompiler;
import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.JoinDef;
import dev.tandem.spec.def.ModelDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.WindowDef;
import dev.tandem.spec.encoding.ModelEncoder;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.ServingPlan;
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
  private final CompiledSpec compiled;

  private FeatureSpec(CompiledSpec compiled) {
    this.compiled = compiled;
  }

  /** Reads and compiles a spec file; errors name this file. */
  public static FeatureSpec load(Path path) throws SpecException, IOException {
    return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
  }

  /** Compiles spec text; {@code fileName} is used in error messages. */
  public static FeatureSpec parse(String text, String fileName) throws SpecException {
    return new FeatureSpec(new SpecCompiler(fileName, text).compile());
  }

  public String file() {
    return compiled.file();
  }

  /** The spec's text, as read: enough to rebuild this spec anywhere with {@link #parse}. */
  public String text() {
    return compiled.text();
  }

  /** SHA-256 of the spec text, to tie artifacts (training sets, models) to the spec that made them. */
  public String sha256() {
    return compiled.sha256();
  }

  public String name() {
    return compiled.name();
  }

  public int version() {
    return compiled.version();
  }

  /** The zone of calendar functions ({@code dayofweek}, {@code hour}, ...) and timestamp text. */
  public ZoneOffset timezone() {
    return compiled.timezone();
  }

  public List<TableDef> tables() {
    return compiled.tables();
  }

  public TableDef table(String tableName) {
    return compiled.tables().stream().filter(t -> t.name().equals(tableName)).findFirst().orElse(null);
  }

  public List<WindowDef> windows() {
    return compiled.windows();
  }

  public List<JoinDef> joins() {
    return compiled.joins();
  }

  /** The output columns, in order, with their types. */
  public List<FeatureDef> features() {
    return compiled.features();
  }

  /** The label feature's name, or {@code null}. */
  public String label() {
    return compiled.label();
  }

  /** The model section, or {@code null}. */
  public ModelDef model() {
    return compiled.model();
  }

  public FeaturePlan plan() {
    return compiled.plan();
  }

  /** The serving section (how a live request becomes request rows), or {@code null}. */
  public ServingPlan serving() {
    return compiled.serving();
  }

  /** The model-input encoder of the {@code model} section. */
  public ModelEncoder modelEncoder() {
    if (compiled.model() == null) {
      throw new IllegalStateException(compiled.file() + " has no model section");
    }
    return new ModelEncoder(this);
  }
}
