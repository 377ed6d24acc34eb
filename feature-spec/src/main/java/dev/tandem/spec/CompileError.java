package dev.tandem.spec;

/** A problem found while compiling an expression, at an offset of its text. */
final class CompileError extends Exception {
  final int at;

  CompileError(String message, int at) {
    super(message);
    this.at = at;
  }
}
