package dev.tandem.testdata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The committed generated fixtures ({@code test-data/fixtures/jd-<mode>-300}): 300 requests each,
 * seed 42, default rate and noise; for tests in any module.
 */
public final class Fixtures {
  public static final int REQUESTS = 300;

  private Fixtures() {}

  /** The fixture folder, found from the working directory (a module folder or the repository root). */
  public static Path jd(JdGenerator.Mode mode) {
    String name = "jd-" + mode.name().toLowerCase(Locale.ROOT) + "-300";
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path p = dir.resolve("test-data").resolve("fixtures").resolve(name);
      if (Files.isDirectory(p)) {
        return p;
      }
      p = dir.resolve("fixtures").resolve(name);
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    throw new IllegalStateException("fixture " + name + " not found above " + Path.of("").toAbsolutePath());
  }
}
