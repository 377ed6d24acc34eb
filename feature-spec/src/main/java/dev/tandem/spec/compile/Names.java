package dev.tandem.spec.compile;

import java.util.Locale;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The rule for the names a spec gives to tables, columns, windows, joins and features: every
 * engine and format a name reaches must take it. Parquet and Avro field names are the narrowest
 * ({@code [A-Za-z_][A-Za-z0-9_]*}); Beam schemas and step names, folder names and JSON take those,
 * and Redis keys take anything (they are percent-encoded). Names the engines add beside the
 * spec's own are reserved, so that a spec's name never clashes with one.
 */
final class Names {
  /** What a spec names. */
  enum Kind { TABLE, COLUMN, WINDOW, JOIN, FEATURE }

  private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  /** The prefix of the engines' own fields and tags ({@code __sequence}, {@code __request_time}, ...). */
  private static final String RESERVED_PREFIX = "__";
  /** The training set's column of model ids, beside the features. */
  private static final String MODEL_IDS = "model_ids";

  private Names() {}

  /** Reports {@code name}, the name of a {@code kind} written at {@code node}, when it breaks the rule. */
  static void check(Yaml yaml, Node node, Kind kind, String name) {
    String problem = problem(kind, name);
    if (problem != null) {
      yaml.error(node, "bad " + kind.name().toLowerCase(Locale.ROOT) + " name '" + name + "': " + problem);
    }
  }

  private static String problem(Kind kind, String name) {
    if (!FIELD.matcher(name).matches()) {
      return "allowed are ASCII letters, digits and '_', not starting with a digit (as Parquet and Avro field names"
          + " require)";
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      return "names starting with '" + RESERVED_PREFIX + "' are reserved for the engines' own fields";
    }
    if (kind == Kind.FEATURE && name.equals(MODEL_IDS)) {
      return "the training set has a column of that name (the model ids)";
    }
    return null;
  }
}
