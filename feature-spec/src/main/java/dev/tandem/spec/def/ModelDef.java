package dev.tandem.spec.def;

import java.util.List;

/** Which features feed the model and how each is encoded into an id. */
public record ModelDef(long seed, List<Input> inputs) {

  public enum Encoding { HASH, BUCKETS }

  /**
   * One model input. {@code HASH}: a hash of the feature's canonical text (NULL has its own id).
   * {@code BUCKETS}: the index of the bucket the number falls in, {@code boundaries} ascending.
   */
  public record Input(String feature, Encoding encoding, List<Double> boundaries) {}
}
