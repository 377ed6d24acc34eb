package dev.tandem.spec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Compiles a spec: reads its YAML section by section, each reader reporting errors at the file,
 * line and column of the YAML node at fault, then assembles the {@link FeatureSpec}. Errors are
 * collected and thrown together, in file order.
 */
final class SpecCompiler {
  private static final Set<String> SECTIONS =
      Set.of("name", "version", "timezone", "tables", "windows", "joins", "features", "label", "model", "serving");

  private final String file;
  private final String text;
  private final List<SpecError> errors = new ArrayList<>();
  private final Yaml yaml;

  SpecCompiler(String file, String text) {
    this.file = file;
    this.text = text;
    this.yaml = new Yaml(file, errors);
  }

  FeatureSpec compile() throws SpecException {
    Node root = yaml.compose(text);
    if (root == null && errors.isEmpty()) {
      errors.add(new SpecError(file, 1, 1, "the spec is empty"));
    }
    Yaml.Entries top = root == null ? null : yaml.mapping(root, "the spec", SECTIONS, Set.of("name", "tables", "features"));
    if (top == null) {
      throw new SpecException(errors);
    }
    SpecHeader header = SpecHeader.read(yaml, top);
    TableReader.Tables tables = new TableReader(yaml).read(top.get("tables"), top.keys().get("tables"));
    // Without a request table nothing else can be checked (its error is reported).
    FeatureSpec spec = tables.request() == null ? null : compile(top, header, tables);
    if (!errors.isEmpty()) {
      errors.sort(Comparator.comparingInt(SpecError::line).thenComparingInt(SpecError::column));
      throw new SpecException(errors);
    }
    return spec;
  }

  /** The sections after the tables, in the order they depend on each other; null when any has an error. */
  private FeatureSpec compile(Yaml.Entries top, SpecHeader header, TableReader.Tables tables) {
    TableDef request = tables.request();
    WindowPlan windows = new WindowReader(yaml, tables, header.zone()).read(top.get("windows"));
    Declared<JoinPlan> joins = new JoinReader(yaml, tables).read(top.get("joins"));
    ExprCompiler exprs = new ExprCompiler(yaml, header.zone(), request, windows, joins);
    FeatureCompiler features = new FeatureCompiler(yaml, exprs, windows.windows());
    features.read(top.get("features"));
    ModelReader modelReader = new ModelReader(yaml, features);
    String label = modelReader.label(top.get("label"));
    ModelDef model = modelReader.model(top.get("model"), label);
    Function<StatePlan, ServingPlan> serving =
        new ServingReader(yaml, request, windows, exprs, features.defs()).read(top.get("serving"));
    if (!errors.isEmpty()) {
      return null;
    }
    FeaturePlan plan = new FeaturePlan(request, windows.build(), List.copyOf(joins.values()), features.defs(),
        features.outputs(), windows.termCount(), tables.declared().asMap());
    return new FeatureSpec(file, text, sha256(text), header.name(), header.version(), header.zone(),
        List.copyOf(tables.declared().values()), List.copyOf(windows.windows().values()),
        joins.values().stream().map(JoinPlan::def).toList(), features.defs(), label, model, plan,
        serving == null ? null : serving.apply(plan.state()));
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
