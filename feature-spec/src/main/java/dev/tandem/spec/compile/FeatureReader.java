package dev.tandem.spec.compile;

import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.def.WindowDef;
import dev.tandem.spec.expr.Ast;
import dev.tandem.spec.expr.CompileError;
import dev.tandem.spec.expr.Expr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads the {@code features} section and compiles each feature once, in any order: a feature that
 * names another compiles that one first (a cycle is an error).
 */
final class FeatureReader implements SectionReader<FeatureReader.Features> {
  /** What the {@code features} section declares: the output features in order, and their compiled expressions. */
  record Features(List<FeatureDef> defs, List<Expr> outputs) {
    /** The feature called {@code name}, or null. */
    FeatureDef def(String name) {
      return defs.stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
    }
  }

  private final Yaml yaml;
  private final ExprCompiler exprs;
  private final Declared<WindowDef> windows;
  /** In order; a feature's type is set once it compiled. */
  private final List<FeatureDef> features = new ArrayList<>();
  private final Map<String, ScalarNode> sources = new HashMap<>();
  private final Map<String, Expr> compiled = new HashMap<>();
  /** Features with an error reported: references to them are not reported again. */
  private final Set<String> failed = new HashSet<>();
  /** The features being compiled, outermost first: a reference to one of them is a cycle. */
  private final List<String> compiling = new ArrayList<>();
  private final Set<String> usingOver = new HashSet<>();

  FeatureReader(Yaml yaml, ExprCompiler exprs, Declared<WindowDef> windows) {
    this.yaml = yaml;
    this.exprs = exprs;
    this.windows = windows;
  }

  /**
   * The features, in order, with their types (null for those that did not compile), and their
   * compiled expressions (only complete when every feature compiled).
   */
  @Override
  public Features read(Yaml.Entries spec) {
    Node node = spec.get("features");
    List<Node> items = node == null ? null : yaml.sequence(node, "features");
    if (items == null) {
      return new Features(List.of(), List.of());
    }
    Map<String, Node> nameNodes = new HashMap<>();
    Map<String, Node> overNodes = new LinkedHashMap<>();
    for (Node item : items) {
      Yaml.Entries f = yaml.mapping(item, "a feature", Set.of("name", "expr", "over"), Set.of("name", "expr"));
      if (f == null || f.get("name") == null || f.get("expr") == null) {
        continue;
      }
      String featureName = yaml.scalar(f.get("name"), "name");
      String expr = yaml.scalar(f.get("expr"), "expr");
      if (featureName == null || expr == null) {
        continue;
      }
      if (nameNodes.containsKey(featureName)) {
        yaml.error(f.get("name"), "duplicate feature '" + featureName + "' (first defined at line "
            + yaml.pos(nameNodes.get(featureName)).line() + ")");
        continue;
      }
      Names.check(yaml, f.get("name"), Names.Kind.FEATURE, featureName);
      String over = f.get("over") == null ? null : over(featureName, f.get("over"));
      if (f.get("over") != null) {
        overNodes.put(featureName, f.get("over"));
      }
      nameNodes.put(featureName, f.get("name"));
      sources.put(featureName, (ScalarNode) f.get("expr"));
      features.add(new FeatureDef(featureName, expr, over, null));
    }
    for (int i = 0; i < features.size(); i++) {
      FeatureDef f = features.get(i);
      Expr e = compile(f.name());
      if (e != null) {
        features.set(i, new FeatureDef(f.name(), f.expr(), f.over(), e.type));
        if (e.type == Type.NULL) {
          yaml.error(sources.get(f.name()), "feature '" + f.name() + "' is always NULL and has no type; cast it, e.g. int(null)");
        }
      }
    }
    for (Map.Entry<String, Node> o : overNodes.entrySet()) {
      if (!failed.contains(o.getKey()) && !usingOver.contains(o.getKey())) {
        yaml.error(o.getValue(), "feature '" + o.getKey() + "' declares 'over' but uses no window function");
      }
    }
    return new Features(List.copyOf(features), features.stream().map(f -> compiled.get(f.name())).toList());
  }

  /** The window named by a feature's {@code over}; when it is not a window, the feature fails (reported). */
  private String over(String featureName, Node node) {
    String over = yaml.scalar(node, "over");
    if (over == null) {
      failed.add(featureName);
    } else if (!windows.has(over)) {
      if (!windows.isBroken(over)) {
        yaml.error(node, "unknown window '" + over + "'" + windows.known());
      }
      failed.add(featureName);
    }
    return over;
  }

  /** Notes that a window function of feature {@code name} uses its {@code over} window. */
  void usesOver(String name) {
    usingOver.add(name);
  }

  /**
   * A reference to another feature from a feature's expression; null when {@code n} names none.
   *
   * @throws CompileError for a cycle, or (already reported) when that feature has an error
   */
  Expr reference(Ast.Name n) throws CompileError {
    if (!sources.containsKey(n.name())) {
      return null;
    }
    if (compiling.contains(n.name())) {
      List<String> cycle = new ArrayList<>(compiling.subList(compiling.indexOf(n.name()), compiling.size()));
      cycle.add(n.name());
      throw new CompileError("cyclic reference: " + String.join(" -> ", cycle), n.at());
    }
    Expr e = compile(n.name());
    if (e == null) {
      throw CompileError.alreadyReported();
    }
    return e;
  }

  /** Compiles a feature once; null when it (or a feature it uses) has an error already reported. */
  private Expr compile(String featureName) {
    Expr done = compiled.get(featureName);
    if (done != null || failed.contains(featureName)) {
      return done;
    }
    compiling.add(featureName);
    FeatureDef def = features.stream().filter(f -> f.name().equals(featureName)).findFirst().orElseThrow();
    Expr e = exprs.compile(sources.get(featureName), "'" + featureName + "'", new Scope.Feature(def, this));
    compiling.remove(compiling.size() - 1);
    if (e == null) {
      failed.add(featureName);
    } else {
      compiled.put(featureName, e);
    }
    return e;
  }
}
