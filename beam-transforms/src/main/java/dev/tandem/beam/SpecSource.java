package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecException;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.transforms.display.DisplayData;

/**
 * Carries a spec to workers as its text and compiles it once per worker JVM: the compiled
 * plan holds code, not data, so shipping the text is both smaller and safer than serializing it.
 * Runners deserialize a step's functions once per task (hundreds of times in a run), so the
 * compiled spec is kept in a JVM-wide table by file name and text, not in the deserialized copy.
 */
final class SpecSource implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Map<Key, FeatureSpec> COMPILED = new ConcurrentHashMap<>();

  private final String text;
  private final String fileName;
  private transient FeatureSpec spec;

  SpecSource(FeatureSpec spec) {
    this.text = spec.text();
    this.fileName = spec.file();
    this.spec = spec;
    COMPILED.putIfAbsent(new Key(fileName, text), spec);
  }

  FeatureSpec get() {
    if (spec == null) {
      spec = COMPILED.computeIfAbsent(new Key(fileName, text), SpecSource::compile);
    }
    return spec;
  }

  /** Adds the spec's name and the SHA-256 of its text to a transform's display data. */
  DisplayData.Builder display(DisplayData.Builder builder) {
    FeatureSpec s = get();
    return builder.add(DisplayData.item("spec", s.name()).withLabel("Feature spec"))
        .add(DisplayData.item("specSha256", s.sha256()).withLabel("SHA-256 of the feature spec's text"));
  }

  private static FeatureSpec compile(Key key) {
    try {
      return FeatureSpec.parse(key.text(), key.fileName());
    } catch (SpecException e) {
      throw new IllegalStateException("spec no longer compiles on this worker: " + e.getMessage(), e);
    }
  }

  private record Key(String fileName, String text) {}
}
