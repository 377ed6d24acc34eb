package dev.tandem.pipelines;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystem;
import org.apache.beam.sdk.io.FileSystemRegistrar;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.CreateOptions;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A Beam file system in this JVM's memory, for {@code mem://} URLs, shaped like an object store
 * (as GCS is): files only, no folders; a file appears when its writer closes; a rename is a copy
 * and a delete; {@code *} and {@code ?} stay within a path component, {@code **} crosses them.
 * Nothing that assumes local paths can work on it. Registered for tests by
 * {@code META-INF/services/org.apache.beam.sdk.io.FileSystemRegistrar}.
 */
public final class MemoryFileSystem extends FileSystem<MemoryFileSystem.Id> {
  public static final String SCHEME = "mem";

  private record Blob(byte[] bytes, long modifiedMillis) {}

  private static final NavigableMap<String, Blob> FILES = new ConcurrentSkipListMap<>();

  /** The file names (URLs) below a prefix, sorted. */
  static List<String> list(String prefix) {
    return new ArrayList<>(FILES.subMap(prefix, true, prefix + Character.MAX_VALUE, false).keySet());
  }

  static void deleteAll(String prefix) {
    FILES.subMap(prefix, true, prefix + Character.MAX_VALUE, false).clear();
  }

  /** Registers the file system with Beam (what a runner does with the pipeline's options). */
  public static final class Registrar implements FileSystemRegistrar {
    @Override
    public Iterable<FileSystem<?>> fromOptions(PipelineOptions options) {
      return List.of(new MemoryFileSystem());
    }
  }

  @Override
  protected List<MatchResult> match(List<String> specs) {
    List<MatchResult> results = new ArrayList<>();
    for (String spec : specs) {
      List<MatchResult.Metadata> found = new ArrayList<>();
      if (FileSystems.hasGlobWildcard(spec)) {
        Pattern glob = glob(spec);
        FILES.forEach((name, blob) -> {
          if (glob.matcher(name).matches()) {
            found.add(metadata(name, blob));
          }
        });
      } else if (FILES.containsKey(spec)) {
        found.add(metadata(spec, FILES.get(spec)));
      }
      results.add(found.isEmpty()
          ? MatchResult.create(MatchResult.Status.NOT_FOUND, new FileNotFoundException(spec))
          : MatchResult.create(MatchResult.Status.OK, found));
    }
    return results;
  }

  private static Pattern glob(String spec) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < spec.length(); i++) {
      char c = spec.charAt(i);
      if (c == '*' && i + 1 < spec.length() && spec.charAt(i + 1) == '*') {
        regex.append(".*");
        i++;
      } else if (c == '*') {
        regex.append("[^/]*");
      } else if (c == '?') {
        regex.append("[^/]");
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }

  private static MatchResult.Metadata metadata(String name, Blob blob) {
    return MatchResult.Metadata.builder().setResourceId(new Id(name, false)).setSizeBytes(blob.bytes().length)
        .setIsReadSeekEfficient(true).setLastModifiedMillis(blob.modifiedMillis()).build();
  }

  @Override
  protected WritableByteChannel create(Id id, CreateOptions options) {
    return new WritableByteChannel() {
      private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      private boolean open = true;

      @Override
      public int write(ByteBuffer src) throws IOException {
        if (!open) {
          throw new ClosedChannelException();
        }
        int n = src.remaining();
        byte[] chunk = new byte[n];
        src.get(chunk);
        bytes.write(chunk);
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() {
        if (open) {
          open = false;
          FILES.put(id.name, new Blob(bytes.toByteArray(), System.currentTimeMillis()));
        }
      }
    };
  }

  @Override
  protected ReadableByteChannel open(Id id) throws IOException {
    Blob blob = FILES.get(id.name);
    if (blob == null) {
      throw new FileNotFoundException(id.name);
    }
    return new ReadChannel(blob.bytes());
  }

  @Override
  protected void copy(List<Id> from, List<Id> to) throws IOException {
    for (int i = 0; i < from.size(); i++) {
      Blob blob = FILES.get(from.get(i).name);
      if (blob == null) {
        throw new FileNotFoundException(from.get(i).name);
      }
      FILES.put(to.get(i).name, new Blob(blob.bytes(), System.currentTimeMillis()));
    }
  }

  @Override
  protected void rename(List<Id> from, List<Id> to, MoveOptions... options) throws IOException {
    copy(from, to);
    delete(from);
  }

  @Override
  protected void delete(Collection<Id> ids) {
    for (Id id : ids) {
      FILES.remove(id.name);
    }
  }

  @Override
  protected Id matchNewResource(String spec, boolean isDirectory) {
    return new Id(spec, isDirectory);
  }

  @Override
  protected String getScheme() {
    return SCHEME;
  }

  /** A file or folder name: {@code mem://bucket/path}, a folder's ending in {@code /}. */
  public static final class Id implements ResourceId {
    private final String name;

    Id(String spec, boolean isDirectory) {
      if (!spec.startsWith(SCHEME + "://")) {
        throw new IllegalArgumentException("not a " + SCHEME + ":// URL: " + spec);
      }
      this.name = isDirectory && !spec.endsWith("/") ? spec + "/" : spec;
    }

    @Override
    public ResourceId resolve(String other, ResolveOptions options) {
      if (!isDirectory()) {
        throw new IllegalStateException("resolving " + other + " against the file " + name);
      }
      return new Id(name + other, options == ResolveOptions.StandardResolveOptions.RESOLVE_DIRECTORY);
    }

    @Override
    public ResourceId getCurrentDirectory() {
      return isDirectory() ? this : new Id(name.substring(0, name.lastIndexOf('/') + 1), true);
    }

    @Override
    public String getScheme() {
      return SCHEME;
    }

    @Override
    public String getFilename() {
      String trimmed = isDirectory() ? name.substring(0, name.length() - 1) : name;
      return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    @Override
    public boolean isDirectory() {
      return name.endsWith("/");
    }

    @Override
    public String toString() {
      return name;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Id other && other.name.equals(name);
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }
  }

  /** A read-only seekable channel over a file's bytes (Parquet reads footers first). */
  private static final class ReadChannel implements SeekableByteChannel {
    private final byte[] bytes;
    private int position;
    private boolean open = true;

    ReadChannel(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      if (position >= bytes.length) {
        return -1;
      }
      int n = Math.min(dst.remaining(), bytes.length - position);
      dst.put(bytes, position, n);
      position += n;
      return n;
    }

    @Override
    public int write(ByteBuffer src) {
      throw new NonWritableChannelException();
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) {
      position = (int) Math.min(newPosition, bytes.length);
      return this;
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }
}
