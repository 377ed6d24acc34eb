package dev.tandem.spec.compile;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecError;
import dev.tandem.spec.SpecException;
import dev.tandem.spec.def.ModelDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.JoinPlan;
import dev.tandem.spec.eval.ServingPlan;
import dev.tandem.spec.eval.StatePlan;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Compiles a spec: reads its YAML section by section, each reader reporting errors at the file,
 * line and column of the YAML node at fault, then assembles what {@link FeatureSpec} serves. Errors are
 * collected and thrown together, in file order.
 */
public final class SpecCompiler {
  private static final Set<String> SECTIONS =
      Set.of("name", "version", "timezone", "tables", "windows", "joins", "features", "label", "model", "serving");

  private final String file;
  private final String text;
  private final List<SpecError> errors = new ArrayList<>();
  private final Yaml yaml;

  public SpecCompiler(String file, String text) {
    this.file = file;
    this.text = text;
    this.yaml = new Yaml(file, errors);
  }

  public CompiledSpec compile() throws SpecException {
    Node root = yaml.compose(text);
    if (root == null && errors.isEmpty()) {
      errors.add(new SpecError(file, 1, 1, "the spec is empty"));
    }
    Yaml.Entries top = root == null ? null : yaml.mapping(root, "the spec", SECTIONS, Set.of("name", "tables", "features"));
    if (top == null) {
      throw new SpecException(errors);
    }
    SpecHeader header = new HeaderReader(yaml).read(top);
    TableReader.Tables tables = new TableReader(yaml).read(top);
    // Without a request table nothing else can be checked (its error is reported).
    CompiledSpec spec = tables.request() == null ? null : compile(top, header, tables);
    if (!errors.isEmpty()) {
      errors.sort(Comparator.comparingInt(SpecError::line).thenComparingInt(SpecError::column));
      throw new SpecException(errors);
    }
    return spec;
  }

  /** The sections after the tables, in the order they depend on each other; null when any has an error. */
  private CompiledSpec compile(Yaml.Entries top, SpecHeader header, TableReader.Tables tables) {
    TableDef request = tables.request();
    Windows windows = new WindowReader(yaml, tables, header.zone()).read(top);
    Declared<JoinPlan> joins = new JoinReader(yaml, tables).read(top);
    WindowTerms terms = new WindowTerms();
    ExprCompiler exprs = new ExprCompiler(yaml, header.zone(), request, windows, terms, joins);
    FeatureReader.Features features = new FeatureReader(yaml, exprs, windows.declared()).read(top);
    ModelReader.LabelAndModel model = new ModelReader(yaml, features).read(top);
    ServingReader.Serving serving = new ServingReader(yaml, request, windows, exprs, features.defs()).read(top);
    if (!errors.isEmpty()) {
      return null;
    }
    FeaturePlan plan = new FeaturePlan(request, windows.build(terms), List.copyOf(joins.values()), features.defs(),
        features.outputs(), terms.terms().size(), tables.declared().asMap());
    return new CompiledSpec(file, text, sha256(text), header.name(), header.version(), header.zone(),
        List.copyOf(tables.declared().values()), List.copyOf(windows.declared().values()),
        joins.values().stream().map(JoinPlan::def).toList(), features.defs(), model.label(), model.model(), plan,
        serving == null ? null : serving.plan(plan.state()));
  }

  private static String sha256(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (byte b : d) {
        sb.append(String.format("%02x", b));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
