package dev.tandem.spec.compile;

import dev.tandem.spec.expr.Expr;
import java.util.ArrayList;
import java.util.List;

/**
 * The window functions the features compute, in the order they compile, each over a named window:
 * a function's number is its slot among a request's term values. Filled while features compile;
 * {@link Windows#build} hands each group its terms.
 */
final class WindowTerms {
  /** One window function: its window and its body, evaluated over that window's rows. */
  record Term(String window, Expr body) {}

  private final List<Term> terms = new ArrayList<>();

  /** Adds a window function over {@code window}; returns its slot. */
  int add(String window, Expr body) {
    terms.add(new Term(window, body));
    return terms.size() - 1;
  }

  /** The terms, by slot. */
  List<Term> terms() {
    return List.copyOf(terms);
  }
}
