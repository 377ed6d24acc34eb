package dev.tandem.pipelines;

import dev.tandem.beam.TandemFiles;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;

/**
 * Files and folders on any Beam file system: a local path, or a URL whose scheme a registered
 * {@link org.apache.beam.sdk.io.FileSystem} serves ({@code gs://} on Dataflow, {@code hdfs://},
 * ...). Folders are name prefixes, as on object stores: a folder exists when a file below it does.
 * The file systems of URLs are those of the last {@link FileSystems#setDefaultPipelineOptions}.
 */
final class Storage {
  /**
   * How deep {@link #files} looks below a folder: enough for what Tandem writes (a split's parts
   * in a staging folder) and Beam's temporary files beside them. A match per level, since only
   * some file systems let {@code **} cross folders.
   */
  static final int DEPTH = 5;

  private Storage() {}

  /** The local path {@code location} names: one without a scheme, or a {@code file:} URL. */
  static Optional<Path> localPath(String location) {
    if (location.startsWith("file:")) {
      return Optional.of(Path.of(URI.create(location)));
    }
    return location.contains("://") ? Optional.empty() : Optional.of(Path.of(location));
  }

  /** A folder's name as Tandem uses it: absolute and normal for a local path, without trailing slashes. */
  static String folder(String location) {
    return localPath(location).map(p -> p.toAbsolutePath().normalize().toString())
        .orElseGet(() -> location.replaceAll("/+$", ""));
  }

  static ResourceId file(String location) {
    return FileSystems.matchNewResource(location, false);
  }

  /** Every file below {@code folder} (up to {@link #DEPTH} levels), by its path relative to the folder. */
  static SortedMap<String, MatchResult.Metadata> files(String folder) throws IOException {
    List<String> globs = new ArrayList<>();
    StringBuilder glob = new StringBuilder(folder);
    for (int level = 0; level < DEPTH; level++) {
      globs.add(glob.append("/*").toString());
    }
    SortedMap<String, MatchResult.Metadata> files = new TreeMap<>();
    for (MatchResult level : FileSystems.match(globs, EmptyMatchTreatment.ALLOW)) {
      for (MatchResult.Metadata m : level.metadata()) {
        files.put(relative(folder, m.resourceId()), m);
      }
    }
    return files;
  }

  /** {@code file}'s path below {@code folder}. */
  static String relative(String folder, ResourceId file) {
    String name = file.toString();
    String prefix = FileSystems.matchNewResource(folder, true).toString();
    if (!name.startsWith(prefix)) {
      throw new IllegalStateException(name + " is not below " + prefix);
    }
    return name.substring(prefix.length());
  }

  /** The files matching {@code glob}, sorted by name (none when nothing matches). */
  static List<MatchResult.Metadata> match(String glob) throws IOException {
    List<MatchResult.Metadata> files = new ArrayList<>(FileSystems.match(glob, EmptyMatchTreatment.ALLOW).metadata());
    files.sort((a, b) -> a.resourceId().toString().compareTo(b.resourceId().toString()));
    return files;
  }

  static boolean exists(String location) throws IOException {
    MatchResult result = FileSystems.match(location, EmptyMatchTreatment.ALLOW);
    return result.status() == MatchResult.Status.OK && !result.metadata().isEmpty();
  }

  static String readString(String location) throws IOException {
    try (InputStream in = Channels.newInputStream(FileSystems.open(file(location)))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static void writeString(String location, String text) throws IOException {
    try (OutputStream out = Channels.newOutputStream(FileSystems.create(file(location), MimeTypes.TEXT))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Deletes files (and, where the file system has them, empty folders); missing ones are no error. */
  static void delete(Collection<ResourceId> resources) throws IOException {
    if (!resources.isEmpty()) {
      FileSystems.delete(resources, StandardMoveOptions.IGNORE_MISSING_FILES);
    }
  }

  /** Copies every file below {@code folder} into the local folder {@code to}, at the same relative paths. */
  static void copyToLocal(String folder, Path to) throws IOException {
    SortedMap<String, MatchResult.Metadata> files = files(folder);
    if (files.isEmpty()) {
      throw new FileNotFoundException("no files below " + folder);
    }
    for (Map.Entry<String, MatchResult.Metadata> e : files.entrySet()) {
      Path target = to.resolve(e.getKey());
      Files.createDirectories(target.getParent());
      try (InputStream in = Channels.newInputStream(FileSystems.open(e.getValue().resourceId()))) {
        Files.copy(in, target);
      }
    }
  }

  /** Deletes a local folder and everything in it, as far as it can (for temporary copies). */
  static void deleteLocal(Path folder) {
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temporary copy: what stays is in the temporary folder
    }
  }

  /** The rows in a Parquet file, from its footer. */
  static long parquetRows(MatchResult.Metadata file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(parquet(file))) {
      return reader.getRecordCount();
    }
  }

  /** A Parquet file's footer (schema, row groups, key-value metadata). */
  static ParquetMetadata parquetFooter(MatchResult.Metadata file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(parquet(file))) {
      return reader.getFooter();
    }
  }

  /** A matched file as Parquet reads it: seekable channels of the file's own file system. */
  static InputFile parquet(MatchResult.Metadata file) {
    return TandemFiles.inputFile(file.resourceId());
  }
}
