package dev.tandem.spec;

/** A problem found while compiling an expression, at an offset of its text. */
final class CompileError extends Exception {
  final int at;

  CompileError(String message, int at) {
    super(message);
    this.at = at;
  }

  /** An expression that depends on something whose error is reported already: it fails without an error of its own. */
  static CompileError alreadyReported() {
    return new CompileError("already reported", -1);
  }

  boolean isAlreadyReported() {
    return at < 0;
  }
}
