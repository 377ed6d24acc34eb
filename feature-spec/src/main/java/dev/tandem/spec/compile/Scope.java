package dev.tandem.spec.compile;

import dev.tandem.spec.def.FeatureDef;
import java.util.List;
import java.util.Set;

/** Where an expression's names resolve, and whether it may call window functions. */
sealed interface Scope {

  /** A feature: the request row, joined rows and other features; window functions default to its {@code over}. */
  record Feature(FeatureDef def, FeatureReader features) implements Scope {}

  /** The arguments of a window function over {@code window}: the window row's columns. */
  record WindowRow(String window) implements Scope {}

  /** A {@code request_row} value: the request row. */
  record Projection() implements Scope {}

  /** A serving column: the request row, but not the {@code unset} columns (derived after it). */
  record Serving(Set<String> unset) implements Scope {}

  /** A serving filter: the output features, by name. */
  record Filter(List<FeatureDef> features) implements Scope {}

  /** Where window functions are not allowed, for messages; null where they are. */
  default String windowFunctionsBanned() {
    if (this instanceof Projection) {
      return "request_row";
    }
    if (this instanceof Serving) {
      return "serving columns";
    }
    return this instanceof Filter ? "serving filters" : null;
  }
}
