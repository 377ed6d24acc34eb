package dev.tandem.spec.expr;

/** A problem found while compiling an expression, at an offset of its text. */
public final class CompileError extends Exception {
  public final int at;

  public CompileError(String message, int at) {
    super(message);
    this.at = at;
  }

  /** An expression that depends on something whose error is reported already: it fails without an error of its own. */
  public static CompileError alreadyReported() {
    return new CompileError("already reported", -1);
  }

  public boolean isAlreadyReported() {
    return at < 0;
  }
}
