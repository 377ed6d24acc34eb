package dev.tandem.pipelines;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * A job's output folder, on any Beam file system ({@link Storage}): the job writes into a staging
 * folder inside it, and only a job that finished moves its files to the top (then the caller
 * writes {@code _SUCCESS}), so a failed run leaves nothing that looks finished.
 */
final class OutputFolder {
  static final String STAGING = ".tandem-staging";
  /** The folder Beam's {@code FileIO} writes its temporary files in, inside the output folder. */
  static final String BEAM_TEMP = ".temp-beam";

  private OutputFolder() {}

  /** The staging folder of the output folder {@code dir}. */
  static String staging(String dir) {
    return dir + "/" + STAGING;
  }

  /**
   * Refuses to mix with an earlier output unless {@code overwrite}, in which case what a job wrote
   * ({@code ours}, or {@code part-*.parquet}) is removed first; anything else is never deleted.
   */
  static boolean prepare(String dir, boolean overwrite, Set<String> ours, PrintWriter err) throws IOException {
    SortedMap<String, MatchResult.Metadata> existing = Storage.files(dir);
    existing.keySet().removeIf(name -> top(name).equals(STAGING));
    if (existing.isEmpty()) {
      return true;
    }
    if (!overwrite) {
      err.println("output folder " + dir + " is not empty; pass --overwrite to replace its contents");
      return false;
    }
    for (String name : existing.keySet()) {
      String top = top(name);
      if (!ours.contains(top) && !(top.equals(name) && name.startsWith("part-") && name.endsWith(".parquet"))) {
        err.println("output folder " + dir + " holds " + top + ", which Tandem did not write; not overwriting");
        return false;
      }
    }
    remove(dir, existing);
    return true;
  }

  /**
   * Moves everything staged (Beam's hidden temporary folders aside) into {@code dir} and removes the
   * staging folder; returns the rows of the Parquet parts at the top when {@code countRows}, else 0.
   */
  static long publish(String staging, String dir, boolean countRows) throws IOException {
    SortedMap<String, MatchResult.Metadata> staged = Storage.files(staging);
    List<ResourceId> from = new ArrayList<>();
    List<ResourceId> to = new ArrayList<>();
    long rows = 0;
    for (Map.Entry<String, MatchResult.Metadata> e : staged.entrySet()) {
      String name = e.getKey();
      if (name.startsWith(".")) {
        continue;
      }
      if (countRows && name.startsWith("part-") && name.endsWith(".parquet")) {
        rows += Storage.parquetRows(e.getValue());
      }
      from.add(e.getValue().resourceId());
      to.add(Storage.file(dir + "/" + name));
    }
    if (!from.isEmpty()) {
      FileSystems.rename(from, to);
    }
    remove(staging, staged);
    return rows;
  }

  /** Deletes {@code dir} and everything below it; nothing happens when it does not exist. */
  static void delete(String dir) throws IOException {
    remove(dir, Storage.files(dir));
  }

  /**
   * Deletes these files below {@code dir} (those still there), then, on file systems that have
   * folders (local, HDFS; object stores have none), the folders that held them, the folder
   * {@code dir} and the {@value #BEAM_TEMP} folders that Beam's file writes leave empty in each.
   * A folder that still holds something stays (a failed run's emptied temporary folder: hidden,
   * and in no one's way).
   */
  private static void remove(String dir, SortedMap<String, MatchResult.Metadata> files) throws IOException {
    Storage.delete(files.values().stream().map(MatchResult.Metadata::resourceId).toList());
    TreeSet<String> folders = new TreeSet<>(Comparator.comparingLong((String f) -> f.chars().filter(c -> c == '/').count()
        + (f.isEmpty() ? 0 : 1)).reversed().thenComparing(Comparator.naturalOrder()));
    folders.add("");
    for (String name : files.keySet()) {
      for (int slash = name.lastIndexOf('/'); slash > 0; slash = name.lastIndexOf('/', slash - 1)) {
        folders.add(name.substring(0, slash));
      }
    }
    for (String folder : List.copyOf(folders)) {
      folders.add(folder.isEmpty() ? BEAM_TEMP : folder + "/" + BEAM_TEMP);
    }
    for (String folder : folders) {
      try {
        Storage.delete(List.of(FileSystems.matchNewResource(folder.isEmpty() ? dir : dir + "/" + folder, true)));
      } catch (IOException | RuntimeException e) {
        // not empty
      }
    }
  }

  /** The first component of a relative path. */
  private static String top(String name) {
    int slash = name.indexOf('/');
    return slash < 0 ? name : name.substring(0, slash);
  }
}
