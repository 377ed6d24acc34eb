package dev.tandem.testdata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the real JD sample (OpenMLDB's demo data, six Parquet tables): the folder named by the
 * {@code TANDEM_JD_SAMPLE} environment variable, else {@code shared/jd-sample} beside the
 * repository (searched upwards from the working directory). The sample is read in place, never
 * copied into the repository.
 */
public final class JdSample {
  public static final String ENV = "TANDEM_JD_SAMPLE";

  /** Requests in the sample's request table. */
  public static final int REQUESTS = 13_916;

  private JdSample() {}

  /** The sample folder, if it can be found. */
  public static Optional<Path> find() {
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      return Files.isDirectory(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolveSibling("shared").resolve("jd-sample");
      if (Files.isDirectory(candidate.resolve("flattenRequest_clean"))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * The sample folder for a test. Where it is missing the test is skipped, except under CI
   * ({@code CI} set), where the sample must exist and its absence is an error.
   */
  public static Path forTest() {
    Optional<Path> found = find();
    if (found.isPresent()) {
      return found.get();
    }
    String message = "JD sample not found: set " + ENV + " or put it at ../shared/jd-sample";
    if (System.getenv("CI") != null) {
      throw new IllegalStateException(message);
    }
    throw new org.opentest4j.TestAbortedException(message);
  }
}
