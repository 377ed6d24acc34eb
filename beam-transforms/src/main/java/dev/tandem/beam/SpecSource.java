package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecException;
import java.io.Serializable;

/**
 * Carries a spec to workers as its text and compiles it once per worker JVM: the compiled
 * plan holds code, not data, so shipping the text is both smaller and safer than serializing it.
 */
final class SpecSource implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String text;
  private final String fileName;
  private transient FeatureSpec spec;

  SpecSource(FeatureSpec spec) {
    this.text = spec.text();
    this.fileName = spec.file();
    this.spec = spec;
  }

  FeatureSpec get() {
    if (spec == null) {
      try {
        spec = FeatureSpec.parse(text, fileName);
      } catch (SpecException e) {
        throw new IllegalStateException("spec no longer compiles on this worker: " + e.getMessage(), e);
      }
    }
    return spec;
  }
}
