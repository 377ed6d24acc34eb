package dev.tandem.spec.compile;

import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.ModelDef;
import dev.tandem.spec.def.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads the {@code label} and the {@code model} section: which features feed the model, and how each becomes an id. */
final class ModelReader implements SectionReader<ModelReader.LabelAndModel> {
  /** The label feature (or null) and the model section (or null). */
  record LabelAndModel(String label, ModelDef model) {}

  private final Yaml yaml;
  private final FeatureReader.Features features;

  ModelReader(Yaml yaml, FeatureReader.Features features) {
    this.yaml = yaml;
    this.features = features;
  }

  @Override
  public LabelAndModel read(Yaml.Entries spec) {
    String label = label(spec.get("label"));
    return new LabelAndModel(label, model(spec.get("model"), label));
  }

  /** The label feature named by {@code node} (null when absent or wrong: the error is reported). */
  private String label(Node node) {
    String label = node == null ? null : yaml.scalar(node, "label");
    if (label == null) {
      return null;
    }
    FeatureDef def = features.def(label);
    if (def == null) {
      yaml.error(node, "label '" + label + "' is not a feature");
      return null;
    }
    if (def.type() != null && def.type() != Type.INT && def.type() != Type.BIGINT) {
      // Training counts positives and the trainer reads 0/1 labels: a bool or a float would be misread.
      yaml.error(node, "label '" + label + "' is " + def.type().specName()
          + "; a label must be an int or bigint (1 = positive, 0 = negative), e.g. if(cond, 1, 0)");
      return null;
    }
    return label;
  }

  /** The model section of {@code node} (null when absent or wrong); {@code label} cannot be an input. */
  private ModelDef model(Node node, String label) {
    Yaml.Entries m = node == null ? null : yaml.mapping(node, "model", Set.of("seed", "inputs"), Set.of("inputs"));
    if (m == null || m.get("inputs") == null) {
      return null;
    }
    long seed = 0;
    if (m.get("seed") != null) {
      Integer s = yaml.integer(m.get("seed"), "seed", 0);
      seed = s == null ? 0 : s;
    }
    List<Node> items = yaml.sequence(m.get("inputs"), "inputs");
    if (items == null) {
      return null;
    }
    List<ModelDef.Input> inputs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Node item : items) {
      ModelDef.Input input = input(item, label);
      if (input == null) {
        continue;
      }
      if (!seen.add(input.feature())) {
        yaml.error(item, "duplicate model input '" + input.feature() + "'");
      } else {
        inputs.add(input);
      }
    }
    if (inputs.isEmpty() && yaml.errorCount() == 0) {
      yaml.error(m.get("inputs"), "model has no inputs");
    }
    return new ModelDef(seed, List.copyOf(inputs));
  }

  private ModelDef.Input input(Node item, String label) {
    String feature;
    Node featureNode;
    Node encodeNode = null;
    if (item instanceof ScalarNode s) {
      feature = s.getValue();
      featureNode = item;
    } else {
      Yaml.Entries e = yaml.mapping(item, "a model input", Set.of("feature", "encode"), Set.of("feature"));
      if (e == null || e.get("feature") == null) {
        return null;
      }
      featureNode = e.get("feature");
      feature = yaml.scalar(featureNode, "feature");
      encodeNode = e.get("encode");
    }
    if (feature == null) {
      return null;
    }
    FeatureDef def = features.def(feature);
    if (def == null) {
      yaml.error(featureNode, "unknown feature '" + feature + "' in model inputs");
      return null;
    }
    if (feature.equals(label)) {
      yaml.error(featureNode, "the label '" + feature + "' cannot be a model input");
      return null;
    }
    if (encodeNode == null) {
      return new ModelDef.Input(feature, ModelDef.Encoding.HASH, List.of());
    }
    if (encodeNode instanceof ScalarNode s) {
      if (s.getValue().equals("hash")) {
        return new ModelDef.Input(feature, ModelDef.Encoding.HASH, List.of());
      }
      yaml.error(encodeNode, "unknown encoding '" + s.getValue() + "' (expected hash or {buckets: [...]})");
      return null;
    }
    Yaml.Entries enc = yaml.mapping(encodeNode, "encode", Set.of("buckets"), Set.of("buckets"));
    if (enc == null || enc.get("buckets") == null) {
      return null;
    }
    if (def.type() != null && !def.type().isNumeric()) {
      yaml.error(encodeNode, "buckets need a numeric feature; '" + feature + "' is " + def.type().specName());
      return null;
    }
    List<Double> boundaries = boundaries(enc.get("buckets"));
    return boundaries == null ? null : new ModelDef.Input(feature, ModelDef.Encoding.BUCKETS, boundaries);
  }

  /** Increasing bucket boundaries; null when wrong (reported). */
  private List<Double> boundaries(Node node) {
    List<Node> bounds = yaml.sequence(node, "buckets");
    if (bounds == null) {
      return null;
    }
    List<Double> boundaries = new ArrayList<>();
    String previous = null;
    for (Node b : bounds) {
      String v = yaml.scalar(b, "bucket boundary");
      if (v == null) {
        return null;
      }
      try {
        double d = Double.parseDouble(v);
        if (!boundaries.isEmpty() && d <= boundaries.get(boundaries.size() - 1)) {
          yaml.error(b, "bucket boundaries must increase: " + v + " after " + previous);
          return null;
        }
        boundaries.add(d);
        previous = v;
      } catch (NumberFormatException e) {
        yaml.error(b, "bucket boundary must be a number, got '" + v + "'");
        return null;
      }
    }
    return List.copyOf(boundaries);
  }
}
