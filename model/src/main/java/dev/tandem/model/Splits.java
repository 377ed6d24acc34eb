package dev.tandem.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One value per split of a training set, as the JSON files hold them: {@code {"train": ..., "validation": ..., "test": ...}}. */
public record Splits<T>(@JsonProperty("train") T train, @JsonProperty("validation") T validation,
    @JsonProperty("test") T test) {

  /** The split names, in order. */
  public static final java.util.List<String> NAMES = java.util.List.of("train", "validation", "test");

  /** The value of split {@code name} (one of {@link #NAMES}). */
  public T get(String name) {
    return switch (name) {
      case "train" -> train;
      case "validation" -> validation;
      case "test" -> test;
      default -> throw new IllegalArgumentException("no split '" + name + "': expected one of " + NAMES);
    };
  }
}
