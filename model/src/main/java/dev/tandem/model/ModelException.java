package dev.tandem.model;

/**
 * A problem with what the model module was given: a training set that is missing, empty or
 * malformed, an output folder in the way, a model folder that is not one, or a model whose
 * metadata does not match the spec it is used with. The message says what and where.
 */
public final class ModelException extends Exception {
  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
