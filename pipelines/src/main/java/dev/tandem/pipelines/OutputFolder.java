package dev.tandem.pipelines;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * A job's local output folder: the job writes into a staging folder inside it, and only a job that
 * finished moves its files to the top (then the caller writes {@code _SUCCESS}), so a failed run
 * leaves nothing that looks finished.
 */
final class OutputFolder {
  static final String STAGING = ".tandem-staging";

  private OutputFolder() {}

  /**
   * Refuses to mix with an earlier output unless {@code overwrite}, in which case what a job wrote
   * ({@code ours}, or {@code part-*.parquet}) is removed first; anything else is never deleted.
   */
  static boolean prepare(Path dir, boolean overwrite, Set<String> ours, PrintWriter err) throws IOException {
    Files.createDirectories(dir);
    List<Path> existing = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (!p.getFileName().toString().equals(STAGING)) {
          existing.add(p);
        }
      }
    }
    if (existing.isEmpty()) {
      return true;
    }
    if (!overwrite) {
      err.println("output folder " + dir + " is not empty; pass --overwrite to replace its contents");
      return false;
    }
    for (Path p : existing) {
      String name = p.getFileName().toString();
      if (!ours.contains(name) && !(name.startsWith("part-") && name.endsWith(".parquet"))) {
        err.println("output folder " + dir + " holds " + name + ", which Tandem did not write; not overwriting");
        return false;
      }
    }
    for (Path p : existing) {
      deleteRecursively(p);
    }
    return true;
  }

  /**
   * Moves everything staged (Beam's hidden temporary folders aside) into {@code dir} and removes the
   * staging folder; returns the rows of the Parquet parts at the top when {@code countRows}, else 0.
   */
  static long publish(Path staging, Path dir, boolean countRows) throws IOException {
    long rows = 0;
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(staging)) {
      ds.forEach(entries::add);
    }
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      if (name.startsWith(".")) {
        continue;
      }
      if (countRows && name.startsWith("part-") && name.endsWith(".parquet")) {
        try (ParquetFileReader r = ParquetFileReader.open(
            HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(entry.toUri()), new Configuration()))) {
          rows += r.getRecordCount();
        }
      }
      Files.move(entry, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }
    deleteRecursively(staging);
    return rows;
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
