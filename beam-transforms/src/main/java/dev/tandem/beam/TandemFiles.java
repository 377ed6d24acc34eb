package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

/**
 * Tandem's Parquet tables as files, outside any pipeline: checking a data folder against a spec
 * before a run, the request time range from the footers, reading a table or a feature table in
 * ingestion order (for the tools that replay them), and writing feature rows to one file. The
 * transforms that read and write them in a pipeline are {@link TandemParquet}'s; both read files
 * the same way ({@link #readRows}), with the same conversions and sequences.
 *
 * <p>Types: string = UTF8 BYTE_ARRAY; int = INT32; bigint = INT64; float = FLOAT; double =
 * DOUBLE; bool = BOOLEAN; timestamp = INT64 TIMESTAMP (millis or micros when read; written as
 * TIMESTAMP_MILLIS, UTC); a text column may hold any type (parsed row by row, bad values rejected).
 *
 * <pre>{@code
 * List<String> problems = TandemFiles.check(spec, Path.of("data"));   // every mismatch at once
 * TandemFiles.readTable(spec, "data", spec.table("action"), rows);     // rows in ingestion order
 * }</pre>
 */
public final class TandemFiles {
  private TandemFiles() {}

  /**
   * The earliest and latest request times, from the Parquet footers' statistics of the request
   * table's time column (no data is read).
   *
   * @throws IOException when a file has no statistics for that column
   */
  public static Instant[] requestTimeRange(FeatureSpec spec, Path dataDir) throws IOException {
    return requestTimeRange(spec, dataDir.toAbsolutePath().toString());
  }

  /**
   * {@link #requestTimeRange(FeatureSpec, Path)} for a folder on any Beam file system: a local path
   * or a URL (gs://..., hdfs://...) whose file system is registered
   * ({@link FileSystems#setDefaultPipelineOptions}).
   */
  public static Instant[] requestTimeRange(FeatureSpec spec, String dataDir) throws IOException {
    TableDef t = spec.plan().requestTable();
    String glob = tableGlob(dataDir, t);
    List<MatchResult.Metadata> files = FileSystems.match(glob, EmptyMatchTreatment.ALLOW).metadata();
    if (files.isEmpty()) {
      throw new IOException("table '" + t.name() + "': no Parquet files match " + glob);
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (MatchResult.Metadata file : files) {
      try (ParquetFileReader reader = ParquetFileReader.open(new ParquetTableSource.BeamInputFile(file.resourceId()))) {
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        int column = schema.getFieldIndex(t.time());
        LogicalTypeAnnotation a = schema.getType(column).getLogicalTypeAnnotation();
        long perMilli = a instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
            && ts.getUnit() == LogicalTypeAnnotation.TimeUnit.MICROS ? 1000 : 1;
        for (BlockMetaData block : reader.getFooter().getBlocks()) {
          Statistics<?> stats = block.getColumns().get(column).getStatistics();
          if (block.getRowCount() == 0) {
            continue;
          }
          if (stats == null || !stats.hasNonNullValue()) {
            throw new IOException("table '" + t.name() + "', column '" + t.time() + "': no min/max statistics in "
                + file.resourceId() + "; give the split times explicitly");
          }
          min = Math.min(min, Math.floorDiv((Long) stats.genericGetMin(), perMilli));
          max = Math.max(max, Math.floorDiv((Long) stats.genericGetMax(), perMilli));
        }
      }
    }
    if (min > max) {
      throw new IOException("table '" + t.name() + "' has no rows with a time");
    }
    return new Instant[] {Instant.ofEpochMilli(min), Instant.ofEpochMilli(max)};
  }

  /**
   * Checks that every table folder exists, holds Parquet files, and that each file has each
   * declared column with a matching type. Returns one message per problem, naming table,
   * column and file; empty when all is well.
   */
  public static List<String> check(FeatureSpec spec, Path dataDir) {
    List<String> problems = new ArrayList<>();
    for (TableDef t : spec.tables()) {
      Path folder = dataDir.resolve(t.name());
      if (!Files.isDirectory(folder)) {
        problems.add("table '" + t.name() + "': missing folder " + folder);
        continue;
      }
      List<Path> files = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, "*.parquet")) {
        ds.forEach(files::add);
      } catch (IOException e) {
        problems.add("table '" + t.name() + "': cannot list " + folder + ": " + e.getMessage());
        continue;
      }
      if (files.isEmpty()) {
        problems.add("table '" + t.name() + "': no *.parquet files in " + folder);
      }
      files.sort(null);
      for (Path file : files) {
        checkFile(t, file, problems);
      }
    }
    return problems;
  }

  private static void checkFile(TableDef t, Path file, List<String> problems) {
    MessageType schema;
    try (ParquetFileReader reader = ParquetFileReader.open(
        HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
      schema = reader.getFooter().getFileMetaData().getSchema();
    } catch (IOException | RuntimeException e) {
      problems.add(unreadable(t, file.toString(), e).getMessage());
      return;
    }
    checkSchema(t, schema, file.toString(), problems);
  }

  /** The error of a file that Parquet cannot read, naming table and file, with the messages of the exception and its causes. */
  private static IllegalArgumentException unreadable(TableDef t, String file, Exception e) {
    StringBuilder why = new StringBuilder();
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      why.append(why.isEmpty() ? "" : ": ").append(c.getMessage() != null ? c.getMessage() : c.toString());
    }
    IllegalArgumentException error = new IllegalArgumentException("table '" + t.name() + "': cannot read Parquet file "
        + file + ": " + why);
    // Suppressed, not the cause: the job reports the root cause of a failure as the data error.
    error.addSuppressed(e);
    return error;
  }

  /** Adds a problem for each of the table's columns that the file's schema lacks or holds with another type. */
  private static void checkSchema(TableDef t, MessageType schema, String file, List<String> problems) {
    for (TableDef.ColumnDef c : t.columns()) {
      if (!schema.containsField(c.name())) {
        problems.add("table '" + t.name() + "', column '" + c.name() + "': missing in " + file);
        continue;
      }
      org.apache.parquet.schema.Type field = schema.getType(c.name());
      String found = describe(field);
      if (!field.isPrimitive() || field.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)
          || !matches(c.type(), field.asPrimitiveType())) {
        problems.add("table '" + t.name() + "', column '" + c.name() + "': declared " + c.type().specName()
            + " but " + file + " has " + found);
      }
    }
  }

  private static String describe(org.apache.parquet.schema.Type field) {
    if (!field.isPrimitive()) {
      return "a nested group";
    }
    PrimitiveType p = field.asPrimitiveType();
    LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
    return p.getPrimitiveTypeName() + (a == null ? "" : " " + a);
  }

  /** The column's Parquet type holds the spec type; text holds any type (parsed row by row, bad values rejected). */
  private static boolean matches(Type type, PrimitiveType p) {
    return matchesExactly(type, p) || isString(p);
  }

  private static boolean isString(PrimitiveType p) {
    LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
    return p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
        && (a == null || a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation);
  }

  private static boolean matchesExactly(Type type, PrimitiveType p) {
    LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
    return switch (type) {
      case STRING -> isString(p);
      case INT -> p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32
          && (a == null || a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation);
      case BIGINT -> p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT64
          && (a == null || a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation);
      case FLOAT -> p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FLOAT;
      case DOUBLE -> p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.DOUBLE;
      case BOOL -> p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BOOLEAN;
      case TIMESTAMP -> p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT64
          && a instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
          && ts.getUnit() != LogicalTypeAnnotation.TimeUnit.NANOS;
      case NULL -> false;
    };
  }

  /** A file of any Beam file system (local, {@code gs://}, ...) as Parquet reads it: seekable channels of that file system. */
  public static org.apache.parquet.io.InputFile inputFile(org.apache.beam.sdk.io.fs.ResourceId file) {
    return new ParquetTableSource.BeamInputFile(file);
  }

  /** Receives a table's rows as {@link #readTable} reads them. */
  public interface TableRows {
    /** A row in the table's column order, with its ingestion sequence (the same one a pipeline gives it). */
    void row(Object[] values, long sequence) throws IOException;

    /** A row whose text value does not parse as its column's type, with the reason. */
    void rejected(String reason) throws IOException;
  }

  /**
   * Reads one table's {@code DIR/<table>/*.parquet} files outside any pipeline, in ingestion
   * order (files by name, rows in file order), with the sequences and conversions
   * {@link TandemParquet#read} gives: for tools that replay a table (the consistency check).
   */
  public static void readTable(FeatureSpec spec, String dataDir, TableDef table, TableRows rows) throws IOException {
    readFiles(tableGlob(dataDir, table), table, spec.timezone(), rows);
  }

  /** The files of a table: {@code DIR/<table>/*.parquet}. */
  static String tableGlob(String dataDir, TableDef table) {
    return dataDir.replaceAll("/+$", "") + "/" + table.name() + "/*.parquet";
  }

  /**
   * Reads a feature table written by {@link #write} ({@code DIR/part-*.parquet}) outside any
   * pipeline: one array of core values per row, in the spec's feature order.
   */
  public static List<Object[]> readFeatures(FeatureSpec spec, String dir) throws IOException {
    List<TableDef.ColumnDef> columns = spec.features().stream().map(f -> new TableDef.ColumnDef(f.name(), f.type())).toList();
    TableDef features = new TableDef("features", TableDef.Role.REQUEST, null, null, columns);
    List<Object[]> out = new ArrayList<>();
    readFiles(dir.replaceAll("/+$", "") + "/part-*.parquet", features, spec.timezone(), new TableRows() {
      @Override
      public void row(Object[] values, long sequence) {
        out.add(values);
      }

      @Override
      public void rejected(String reason) {
        throw new IllegalArgumentException("feature table " + dir + ": " + reason);
      }
    });
    return out;
  }

  private static void readFiles(String glob, TableDef table, ZoneOffset zone, TableRows rows) throws IOException {
    List<MatchResult.Metadata> files = new ArrayList<>(FileSystems.match(glob).metadata());
    files.sort(Comparator.comparing(m -> m.resourceId().toString()));
    if (files.isEmpty()) {
      throw new IllegalArgumentException("table '" + table.name() + "': no Parquet files match " + glob);
    }
    int width = table.columns().size();
    for (int f = 0; f < files.size(); f++) {
      ResourceId file = files.get(f).resourceId();
      RecordValues toValues = new RecordValues(table, file.toString());
      long[] sequence = {(long) f << ParquetTableSource.ROW_BITS};
      readRows(table, file, r -> {
        try {
          Object[] carried = toValues.carried(r, sequence[0]++, zone);
          rows.row(Arrays.copyOf(carried, width), (Long) carried[width]);
        } catch (Unparsable e) {
          rows.rejected(e.getMessage());
        }
      });
    }
  }

  /** Takes the rows of a file, in file order ({@link ParquetRows}: the table's width plus a free last slot). */
  interface FileRows {
    void accept(Object[] row) throws IOException;
  }

  /**
   * Reads one file of a table, on any Beam file system, with {@link ParquetRows}. Its footer is
   * checked against the table's columns first and page checksums are verified, so a truncated,
   * damaged or mistyped file stops the read with an error naming table and file (and column),
   * never with values read wrongly or a bare Parquet exception.
   *
   * @throws IllegalArgumentException when the file cannot be read or does not hold the table's columns
   */
  static void readRows(TableDef table, ResourceId file, FileRows rows) throws IOException {
    readRows(table, file, 0, Long.MAX_VALUE, rows);
  }

  /** {@link #readRows(TableDef, ResourceId, FileRows)} of one split of a file: its row groups, in file order. */
  static void readRows(TableDef table, ParquetTableSource.FileSplit split, FileRows rows) throws IOException {
    readRows(table, FileSystems.matchNewResource(split.file(), false), split.start(), split.end(), rows);
  }

  /** The rows of the row groups whose middle lies in bytes [start, end) of the file. */
  private static void readRows(TableDef table, ResourceId file, long start, long end, FileRows rows) throws IOException {
    org.apache.parquet.io.InputFile input = new ParquetTableSource.BeamInputFile(file);
    List<String> problems = new ArrayList<>();
    try (ParquetFileReader footer = ParquetFileReader.open(input)) {
      checkSchema(table, footer.getFooter().getFileMetaData().getSchema(), file.toString(), problems);
    } catch (IOException | RuntimeException e) {
      throw unreadable(table, file.toString(), e);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    try (ParquetReader<Object[]> reader = ParquetRows.reader(table, input, start, end)) {
      while (true) {
        Object[] row;
        try {
          row = reader.read();
        } catch (IOException | RuntimeException e) {
          throw unreadable(table, file.toString(), e);
        }
        if (row == null) {
          return;
        }
        rows.accept(row);
      }
    }
  }

  /**
   * Opens a Parquet file for feature rows (core values in the spec's feature order) outside any
   * pipeline, with exactly the schema {@link TandemParquet#write} gives the feature table: for tools that
   * produce feature rows another way (the consistency check's online rows).
   */
  public static FeatureFileWriter featureWriter(FeatureSpec spec, java.nio.file.Path file) throws IOException {
    return new FeatureFileWriter(TandemParquet.outputAvroSchema(spec), file);
  }

  /** Writes feature rows to one Parquet file; see {@link #featureWriter}. */
  public static final class FeatureFileWriter implements AutoCloseable {
    private final Schema schema;
    private final org.apache.parquet.hadoop.ParquetWriter<GenericRecord> writer;

    private FeatureFileWriter(Schema schema, java.nio.file.Path file) throws IOException {
      this.schema = schema;
      java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
      this.writer = org.apache.parquet.avro.AvroParquetWriter.<GenericRecord>builder(
              new ParquetTableWriter.LocalOutputFile(file))
          .withSchema(schema)
          .withConf(new Configuration())
          .withCompressionCodec(org.apache.parquet.hadoop.metadata.CompressionCodecName.SNAPPY)
          .build();
    }

    public void write(Object[] values) throws IOException {
      GenericData.Record record = new GenericData.Record(schema);
      for (int i = 0; i < values.length; i++) {
        record.put(i, values[i] instanceof Instant t ? (Object) t.toEpochMilli() : values[i]);
      }
      writer.write(record);
    }

    @Override
    public void close() throws IOException {
      writer.close();
    }
  }

  /**
   * A file's row as {@link ParquetRows} reads it to a table row: the carried values (each
   * column's core value, then the ingestion sequence) or a Beam Row of the spec's table schema.
   */
  static final class RecordValues {
    private final TableDef table;
    private final String file;

    RecordValues(TableDef table, String file) {
      this.table = table;
      this.file = file;
    }

    /**
     * The carried values, in {@code row} itself: text in a column of another type parsed, then
     * the sequence in the last slot.
     *
     * @throws Unparsable when a text value does not parse as its column's type
     */
    Object[] carried(Object[] row, long sequence, ZoneOffset zone) throws Unparsable {
      List<TableDef.ColumnDef> columns = table.columns();
      for (int i = 0; i < columns.size(); i++) {
        TableDef.ColumnDef c = columns.get(i);
        if (row[i] instanceof String text && c.type() != Type.STRING) {
          try {
            row[i] = Values.parse(c.type(), text.trim(), zone);
          } catch (IllegalArgumentException e) {
            throw new Unparsable(TandemSchemas.rejected(table.name(), "column '" + c.name() + "': " + e.getMessage(),
                file + " row " + (sequence & ((1L << ParquetTableSource.ROW_BITS) - 1)) + ": "
                    + TandemSchemas.describe(table.names(), row)));
          }
        }
      }
      row[columns.size()] = sequence;
      return row;
    }

    /** The row of {@code schema} (the table's), or a rejected row when a text value does not parse. */
    Row row(org.apache.beam.sdk.schemas.Schema schema, Object[] row, long sequence, ZoneOffset zone) {
      try {
        return TandemSchemas.row(schema, carried(row, sequence, zone));
      } catch (Unparsable e) {
        return e.rejected;
      }
    }
  }

  /** A row with a text value that does not parse as its column's type, as its rejected row. */
  static final class Unparsable extends Exception {
    final Row rejected;

    Unparsable(Row rejected) {
      super(rejected.getString("reason"), null, false, false); // expected per bad row: no stack trace
      this.rejected = rejected;
    }
  }
}
