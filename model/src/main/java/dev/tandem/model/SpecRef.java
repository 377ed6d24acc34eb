package dev.tandem.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

/**
 * The spec a training set or a model was made from, as their JSON files name it: its name, its
 * version ({@code metadata.json} only; null where not stated) and the SHA-256 of its text.
 */
public record SpecRef(
    @JsonProperty("name") String name,
    @JsonProperty("version") @JsonSetter(nulls = Nulls.SET) @JsonInclude(JsonInclude.Include.NON_NULL) Integer version,
    @JsonProperty("sha256") String sha256) {

  /** A reference without a version (the model files). */
  public SpecRef(String name, String sha256) {
    this(name, null, sha256);
  }
}
