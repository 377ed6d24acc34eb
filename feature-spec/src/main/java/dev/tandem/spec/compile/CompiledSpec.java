package dev.tandem.spec.compile;

import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.JoinDef;
import dev.tandem.spec.def.ModelDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.WindowDef;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.ServingPlan;
import java.time.ZoneOffset;
import java.util.List;

/**
 * What {@link SpecCompiler} makes of a valid spec; {@link dev.tandem.spec.FeatureSpec} serves it.
 * {@code label}, {@code model} and {@code serving} are null when the spec has no such section.
 */
public record CompiledSpec(String file, String text, String sha256, String name, int version, ZoneOffset timezone,
    List<TableDef> tables, List<WindowDef> windows, List<JoinDef> joins, List<FeatureDef> features, String label,
    ModelDef model, FeaturePlan plan, ServingPlan serving) {

  public CompiledSpec {
    features = List.copyOf(features);
  }
}
