package dev.tandem.testdata;

import dev.tandem.beam.ParquetTableWriter;
import dev.tandem.spec.def.TableDef;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** Writes a table as {@code DIR/<table>/part-NNNNN.parquet}, starting a new file every {@code rowsPerFile} rows. */
final class RollingWriter implements AutoCloseable {
  private final TableDef table;
  private final Path folder;
  private final long rowsPerFile;
  private final String prefix;
  private final Set<String> annotatedInts;
  private ParquetTableWriter current;
  private int files;
  private long rows;

  RollingWriter(TableDef table, Path folder, long rowsPerFile, Set<String> annotatedInts) {
    this(table, folder, rowsPerFile, "part", annotatedInts);
  }

  /** {@code annotatedInts}: int columns written as INT32 annotated INTEGER(32, signed) ({@link ParquetTableWriter#open(TableDef, Path, Set)}). */
  RollingWriter(TableDef table, Path folder, long rowsPerFile, String prefix, Set<String> annotatedInts) {
    this.table = table;
    this.folder = folder;
    this.rowsPerFile = rowsPerFile;
    this.prefix = prefix;
    this.annotatedInts = annotatedInts;
  }

  void write(Object... values) throws IOException {
    if (current == null || current.rows() >= rowsPerFile) {
      if (current != null) {
        current.close();
      }
      current = ParquetTableWriter.open(table, folder.resolve(String.format("%s-%05d.parquet", prefix, files++)), annotatedInts);
    }
    current.write(values);
    rows++;
  }

  long rows() {
    return rows;
  }

  @Override
  public void close() throws IOException {
    if (current == null) {
      current = ParquetTableWriter.open(table, folder.resolve(prefix + "-00000.parquet"), annotatedInts); // an empty table still has a file
    }
    current.close();
  }
}
