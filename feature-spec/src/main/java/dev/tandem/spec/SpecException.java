package dev.tandem.spec;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when a spec does not parse or validate; carries every error found, in file order. */
public final class SpecException extends Exception {
  private final List<SpecError> errors;

  public SpecException(List<SpecError> errors) {
    super(errors.stream().map(SpecError::toString).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  public List<SpecError> errors() {
    return errors;
  }
}
