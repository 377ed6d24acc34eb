package dev.tandem.testdata;

import java.nio.file.Files;
import java.nio.file.Path;

/** The committed generated fixtures: 300 requests each, seed 42, default rate and noise. */
final class Fixtures {
  static final int REQUESTS = 300;

  private Fixtures() {}

  static Path jd(JdGenerator.Mode mode) {
    Path p = Path.of("fixtures", "jd-" + mode.name().toLowerCase(java.util.Locale.ROOT) + "-300");
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("fixture missing: " + p.toAbsolutePath());
    }
    return p;
  }
}
