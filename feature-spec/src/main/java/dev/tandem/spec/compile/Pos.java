package dev.tandem.spec.compile;

import dev.tandem.spec.SpecError;


/** A place in a spec file (1-based line and column). */
record Pos(String file, int line, int column) {

  Pos shift(int columns) {
    return new Pos(file, line, column + columns);
  }

  SpecError error(String message) {
    return new SpecError(file, line, column, message);
  }
}
