package dev.tandem.spec;

/** One problem in a spec, located at a file, line and column (both 1-based). */
public record SpecError(String file, int line, int column, String message) {

  @Override
  public String toString() {
    return file + ":" + line + ":" + column + ": " + message;
  }
}
