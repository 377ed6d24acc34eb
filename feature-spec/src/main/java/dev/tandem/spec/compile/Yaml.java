package dev.tandem.spec.compile;

import dev.tandem.spec.SpecError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads YAML into nodes that remember where they are, and reports shape errors with places. */
final class Yaml {
  /** A mapping's entries by key, in order, with the key nodes (for places of key errors). */
  record Entries(Map<String, Node> values, Map<String, ScalarNode> keys, Node node) {
    Node get(String key) {
      return values.get(key);
    }
  }

  private final String file;
  private final List<SpecError> errors;

  Yaml(String file, List<SpecError> errors) {
    this.file = file;
    this.errors = errors;
  }

  /** Parses the document; on a YAML syntax error records it and returns {@code null}. */
  Node compose(String text) {
    LoadSettings settings = LoadSettings.builder().setLabel(file).build();
    try {
      return new Compose(settings).composeString(text).orElse(null);
    } catch (MarkedYamlEngineException e) {
      Mark m = e.getProblemMark().orElse(e.getContextMark().orElse(null));
      String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
      errors.add(m == null ? new SpecError(file, 1, 1, "YAML syntax error: " + problem)
          : new SpecError(file, m.getLine() + 1, m.getColumn() + 1, "YAML syntax error: " + problem));
      return null;
    } catch (YamlEngineException e) {
      errors.add(new SpecError(file, 1, 1, "YAML error: " + e.getMessage()));
      return null;
    }
  }

  Pos pos(Node node) {
    Mark m = node.getStartMark().orElse(null);
    return m == null ? new Pos(file, 1, 1) : new Pos(file, m.getLine() + 1, m.getColumn() + 1);
  }

  /**
   * The place of character {@code offset} inside a scalar's value: exact for one-line plain
   * and quoted scalars, the scalar's start otherwise.
   */
  Pos pos(ScalarNode node, int offset) {
    Pos start = pos(node);
    Mark end = node.getEndMark().orElse(null);
    boolean oneLine = end != null && end.getLine() + 1 == start.line();
    ScalarStyle style = node.getScalarStyle();
    if (!oneLine) {
      return start;
    }
    if (style == ScalarStyle.PLAIN) {
      return start.shift(offset);
    }
    if (style == ScalarStyle.SINGLE_QUOTED || style == ScalarStyle.DOUBLE_QUOTED) {
      return start.shift(offset + 1);
    }
    return start;
  }

  void error(Node node, String message) {
    errors.add(pos(node).error(message));
  }

  /** An error at character {@code offset} of a scalar's value (see {@link #pos(ScalarNode, int)}). */
  void error(ScalarNode node, int offset, String message) {
    errors.add(pos(node, offset).error(message));
  }

  /** How many errors are reported so far. */
  int errorCount() {
    return errors.size();
  }

  /**
   * A mapping's entries. Reports a node that is not a mapping, duplicate keys, keys not in
   * {@code allowed} (when not null) and missing {@code required} keys; returns null when not a mapping.
   */
  Entries mapping(Node node, String what, Set<String> allowed, Set<String> required) {
    if (!(node instanceof MappingNode m)) {
      error(node, what + " must be a mapping");
      return null;
    }
    Map<String, Node> values = new LinkedHashMap<>();
    Map<String, ScalarNode> keys = new LinkedHashMap<>();
    List<NodeTuple> tuples = new ArrayList<>();
    List<NodeTuple> merged = new ArrayList<>();
    for (NodeTuple t : m.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("<<")) {
        // YAML merge key: entries of the referenced mapping(s), where not given explicitly
        Node v = t.getValueNode();
        for (Node source : v instanceof SequenceNode seq ? seq.getValue() : List.of(v)) {
          if (source instanceof MappingNode sm) {
            merged.addAll(sm.getValue());
          } else {
            error(source, "'<<' in " + what + " must refer to a mapping");
          }
        }
      } else {
        tuples.add(t);
      }
    }
    Set<String> explicit = new java.util.HashSet<>();
    for (NodeTuple t : tuples) {
      if (t.getKeyNode() instanceof ScalarNode k) {
        explicit.add(k.getValue());
      }
    }
    for (NodeTuple t : merged) {
      if (t.getKeyNode() instanceof ScalarNode k && explicit.add(k.getValue())) {
        tuples.add(t);
      }
    }
    for (NodeTuple t : tuples) {
      if (!(t.getKeyNode() instanceof ScalarNode k)) {
        error(t.getKeyNode(), "keys of " + what + " must be plain names");
        continue;
      }
      String key = k.getValue();
      if (keys.containsKey(key)) {
        error(k, "duplicate key '" + key + "' in " + what);
        continue;
      }
      if (allowed != null && !allowed.contains(key)) {
        error(k, "unknown key '" + key + "' in " + what + " (expected one of: " + String.join(", ", sorted(allowed)) + ")");
        continue;
      }
      values.put(key, t.getValueNode());
      keys.put(key, k);
    }
    for (String r : sorted(required)) {
      if (!values.containsKey(r)) {
        error(node, what + " is missing '" + r + "'");
      }
    }
    return new Entries(values, keys, node);
  }

  /** A scalar's text, or null (with an error) when the node is not a scalar. */
  String scalar(Node node, String what) {
    if (node instanceof ScalarNode s) {
      return s.getValue();
    }
    error(node, what + " must be a single value");
    return null;
  }

  /** The items of a sequence (a single scalar counts as a one-item list); null with an error otherwise. */
  List<Node> sequence(Node node, String what) {
    if (node instanceof SequenceNode s) {
      return s.getValue();
    }
    if (node instanceof ScalarNode) {
      return List.of(node);
    }
    error(node, what + " must be a list");
    return null;
  }

  Integer integer(Node node, String what, int min) {
    String s = scalar(node, what);
    if (s == null) {
      return null;
    }
    try {
      int v = Integer.parseInt(s.trim());
      if (v < min) {
        error(node, what + " must be at least " + min + ", got " + v);
        return null;
      }
      return v;
    } catch (NumberFormatException e) {
      error(node, what + " must be a whole number, got '" + s + "'");
      return null;
    }
  }

  Boolean bool(Node node, String what) {
    String s = scalar(node, what);
    if (s == null) {
      return null;
    }
    if (s.equals("true") || s.equals("false")) {
      return Boolean.valueOf(s);
    }
    error(node, what + " must be true or false, got '" + s + "'");
    return null;
  }

  private static List<String> sorted(Set<String> keys) {
    List<String> list = new ArrayList<>(keys);
    list.sort(null);
    return list;
  }
}
