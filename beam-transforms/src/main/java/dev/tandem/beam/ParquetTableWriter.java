package dev.tandem.beam;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Streams rows of one spec table into a Parquet file in the input layout Tandem reads (the
 * real JD sample's physical types): every column OPTIONAL; strings UTF8 BYTE_ARRAY; int INT32;
 * bigint INT64; float FLOAT; double DOUBLE; bool BOOLEAN; timestamps INT64
 * TIMESTAMP(MICROS, isAdjustedToUTC=false) holding UTC instants. Memory is bounded by one row
 * group, whatever the number of rows.
 */
public final class ParquetTableWriter implements AutoCloseable {
  private static final int ROW_GROUP_BYTES = 16 * 1024 * 1024;

  private final TableDef table;
  private final Path file;
  private final SimpleGroupFactory groups;
  private final ParquetWriter<Group> writer;
  private long rows;

  private ParquetTableWriter(TableDef table, Path file, Set<String> annotatedInts) throws IOException {
    this.table = table;
    this.file = file;
    MessageType schema = parquetSchema(table, annotatedInts);
    this.groups = new SimpleGroupFactory(schema);
    Files.createDirectories(file.toAbsolutePath().getParent());
    this.writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new Configuration())
        .withType(schema)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withRowGroupSize(ROW_GROUP_BYTES)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build();
  }

  /** Opens {@code file} (replacing it) for rows of {@code table}. */
  public static ParquetTableWriter open(TableDef table, Path file) throws IOException {
    return new ParquetTableWriter(table, file, Set.of());
  }

  /**
   * As {@link #open(TableDef, Path)}, with the {@code int} columns named in {@code annotatedInts}
   * written as INT32 annotated {@code INTEGER(32, signed)}, as some writers (DuckDB) do; the
   * other int columns are plain INT32.
   */
  public static ParquetTableWriter open(TableDef table, Path file, Set<String> annotatedInts) throws IOException {
    return new ParquetTableWriter(table, file, annotatedInts);
  }

  /** Writes one row: core values in the table's column order (timestamps as {@link Instant}). */
  public void write(Object[] values) throws IOException {
    List<TableDef.ColumnDef> columns = table.columns();
    if (values.length != columns.size()) {
      throw new IllegalArgumentException("table '" + table.name() + "' has " + columns.size() + " columns, got "
          + values.length + " values");
    }
    Group g = groups.newGroup();
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      if (v == null) {
        continue;
      }
      switch (columns.get(i).type()) {
        case STRING -> g.append(columns.get(i).name(), (String) v);
        case INT -> g.append(columns.get(i).name(), (Integer) v);
        case BIGINT -> g.append(columns.get(i).name(), (Long) v);
        case FLOAT -> g.append(columns.get(i).name(), (Float) v);
        case DOUBLE -> g.append(columns.get(i).name(), (Double) v);
        case BOOL -> g.append(columns.get(i).name(), (Boolean) v);
        case TIMESTAMP -> {
          Instant t = (Instant) v;
          g.append(columns.get(i).name(), Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000));
        }
        case NULL -> throw new IllegalArgumentException("NULL is not a column type");
      }
    }
    writer.write(g);
    rows++;
  }

  public long rows() {
    return rows;
  }

  @Override
  public void close() throws IOException {
    writer.close();
    sortFooterEncodings(file);
  }

  /**
   * parquet-mr lists each column chunk's encodings from a HashSet of enums, whose order changes
   * from one JVM to the next: sorting them makes the same rows give the same bytes in every run.
   * The sorted footer has the same length, so it is rewritten in place.
   */
  static void sortFooterEncodings(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int n = bytes.length;
    int footerLength = (bytes[n - 8] & 0xff) | (bytes[n - 7] & 0xff) << 8 | (bytes[n - 6] & 0xff) << 16
        | (bytes[n - 5] & 0xff) << 24;
    int footerStart = n - 8 - footerLength;
    FileMetaData meta = Util.readFileMetaData(new ByteArrayInputStream(bytes, footerStart, footerLength));
    for (RowGroup group : meta.getRow_groups()) {
      for (ColumnChunk chunk : group.getColumns()) {
        chunk.getMeta_data().getEncodings().sort(Comparator.comparing(Encoding::getValue));
      }
    }
    ByteArrayOutputStream sorted = new ByteArrayOutputStream();
    Util.writeFileMetaData(meta, sorted);
    if (sorted.size() != footerLength) {
      throw new IllegalStateException("footer of " + file + " changed length when its encodings were sorted");
    }
    System.arraycopy(sorted.toByteArray(), 0, bytes, footerStart, footerLength);
    Files.write(file, bytes);
  }

  static MessageType parquetSchema(TableDef table, Set<String> annotatedInts) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (TableDef.ColumnDef c : table.columns()) {
      switch (c.type()) {
        case STRING -> b.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(c.name());
        case INT -> b.optional(PrimitiveTypeName.INT32)
            .as(annotatedInts.contains(c.name()) ? LogicalTypeAnnotation.intType(32, true) : null).named(c.name());
        case BIGINT -> b.optional(PrimitiveTypeName.INT64).named(c.name());
        case FLOAT -> b.optional(PrimitiveTypeName.FLOAT).named(c.name());
        case DOUBLE -> b.optional(PrimitiveTypeName.DOUBLE).named(c.name());
        case BOOL -> b.optional(PrimitiveTypeName.BOOLEAN).named(c.name());
        case TIMESTAMP -> b.optional(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(false, LogicalTypeAnnotation.TimeUnit.MICROS)).named(c.name());
        case NULL -> throw new IllegalArgumentException("NULL is not a column type");
      }
    }
    return b.named(table.name());
  }

  /** The nullable Avro type of a spec type; timestamps are longs with {@code timestampType}. */
  static Schema nullable(Type type, LogicalType timestampType) {
    Schema base = switch (type) {
      case STRING -> Schema.create(Schema.Type.STRING);
      case INT -> Schema.create(Schema.Type.INT);
      case BIGINT -> Schema.create(Schema.Type.LONG);
      case FLOAT -> Schema.create(Schema.Type.FLOAT);
      case DOUBLE -> Schema.create(Schema.Type.DOUBLE);
      case BOOL -> Schema.create(Schema.Type.BOOLEAN);
      case TIMESTAMP -> timestampType.addToSchema(Schema.create(Schema.Type.LONG));
      case NULL -> throw new IllegalArgumentException("NULL is not a column type");
    };
    return Schema.createUnion(Schema.create(Schema.Type.NULL), base);
  }

  /** A plain local file (through java.nio: no Hadoop file system, so no .crc side files). */
  record LocalOutputFile(Path file) implements OutputFile {
    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
      return createOrOverwrite(blockSizeHint);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
      OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
      return new PositionOutputStream() {
        private long position;

        @Override
        public long getPos() {
          return position;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          position++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          position += len;
        }

        @Override
        public void flush() throws IOException {
          out.flush();
        }

        @Override
        public void close() throws IOException {
          out.close();
        }
      };
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }
}
