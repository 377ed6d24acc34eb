package dev.tandem.beam;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * Sorts (key, value) byte pairs by unsigned key order within a memory budget: pairs are
 * buffered, each full buffer is sorted and spilled to a run file on local disk, and the runs
 * are merged while they are read. Memory stays at the budget whatever the number of pairs,
 * so a hot key's millions of rows do not need to fit in a worker's memory.
 */
final class ExternalSorter implements AutoCloseable {
  record Pair(byte[] key, byte[] value) {}

  private static final Comparator<Pair> ORDER = (a, b) -> Arrays.compareUnsigned(a.key(), b.key());

  private final long budgetBytes;
  private final List<Pair> buffer = new ArrayList<>();
  private final List<Path> runs = new ArrayList<>();
  private long buffered;

  ExternalSorter(long budgetBytes) {
    this.budgetBytes = budgetBytes;
  }

  void add(byte[] key, byte[] value) throws IOException {
    buffer.add(new Pair(key, value));
    buffered += key.length + value.length + 48;
    if (buffered >= budgetBytes) {
      spill();
    }
  }

  /** Number of run files written so far (0 when everything fitted in memory). */
  int spills() {
    return runs.size();
  }

  /** The pairs in key order. Call once, after the last {@link #add}. */
  Iterator<Pair> sorted() throws IOException {
    if (runs.isEmpty()) {
      buffer.sort(ORDER);
      return buffer.iterator();
    }
    spill();
    PriorityQueue<RunReader> heads = new PriorityQueue<>((a, b) -> ORDER.compare(a.head, b.head));
    for (Path run : runs) {
      RunReader r = new RunReader(run);
      if (r.advance()) {
        heads.add(r);
      }
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return !heads.isEmpty();
      }

      @Override
      public Pair next() {
        RunReader r = heads.poll();
        if (r == null) {
          throw new NoSuchElementException();
        }
        Pair p = r.head;
        try {
          if (r.advance()) {
            heads.add(r);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return p;
      }
    };
  }

  private void spill() throws IOException {
    if (buffer.isEmpty()) {
      return;
    }
    buffer.sort(ORDER);
    Path run = Files.createTempFile("tandem-sort-", ".run");
    run.toFile().deleteOnExit();
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(run), 1 << 16))) {
      for (Pair p : buffer) {
        out.writeInt(p.key().length);
        out.write(p.key());
        out.writeInt(p.value().length);
        out.write(p.value());
      }
    }
    runs.add(run);
    buffer.clear();
    buffered = 0;
  }

  @Override
  public void close() throws IOException {
    for (Path run : runs) {
      Files.deleteIfExists(run);
    }
  }

  private static final class RunReader {
    private final DataInputStream in;
    Pair head;

    RunReader(Path run) throws IOException {
      this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(run), 1 << 16));
    }

    boolean advance() throws IOException {
      int keyLength;
      try {
        keyLength = in.readInt();
      } catch (EOFException end) {
        in.close();
        head = null;
        return false;
      }
      byte[] key = new byte[keyLength];
      in.readFully(key);
      byte[] value = new byte[in.readInt()];
      in.readFully(value);
      head = new Pair(key, value);
      return true;
    }
  }
}
