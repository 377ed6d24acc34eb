package dev.tandem.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes a model folder all at once: everything goes into a hidden sibling folder, which is
 * renamed into place only when complete. A failed run leaves no folder that looks like a model.
 */
final class ModelFolder {
  interface Contents {
    void write(Path dir) throws IOException;
  }

  private ModelFolder() {}

  /** Refuses a target that exists and is not an empty folder; checked before training, not after. */
  static void checkTarget(Path dir) throws ModelException, IOException {
    if (Files.exists(dir) && (!Files.isDirectory(dir) || !isEmpty(dir))) {
      throw new ModelException("model folder " + dir + " already exists and is not empty: choose another or remove it");
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  static void write(Path dir, Contents contents) throws ModelException, IOException {
    checkTarget(dir);
    Path target = dir.toAbsolutePath();
    Files.createDirectories(target.getParent());
    Path staging = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".partial-");
    try {
      contents.write(staging);
      Files.deleteIfExists(target); // an empty folder, as checked
      // A temporary folder is created private (rwx------): make the model readable by the workers and servers that load it.
      Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (Throwable e) {
      try {
        deleteRecursively(staging);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
