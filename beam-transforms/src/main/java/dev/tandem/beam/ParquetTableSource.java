package dev.tandem.beam;

import dev.tandem.spec.def.TableDef;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Reads one table's Parquet files into rows carrying their ingestion sequence: the file's rank
 * among the table's files (by name) in the high bits, the row's index in the file in the low
 * bits. The sequence is therefore the same on every runner, whatever the order of delivery.
 * Files are listed (and their footers read, to split them by row group) when the pipeline is
 * built, and read through Beam's file systems.
 */
final class ParquetTableSource extends PTransform<PBegin, PCollectionRowTuple> {
  /** Rows per file the sequence can tell apart (2^40); files per table: 2^23. */
  static final int ROW_BITS = 40;

  private static final TupleTag<Row> ROWS = new TupleTag<>() {};
  private static final TupleTag<Row> REJECTED = new TupleTag<>() {};

  private final TableDef table;
  private final String glob;
  private final ZoneOffset zone;

  ParquetTableSource(TableDef table, String glob, ZoneOffset zone) {
    this.table = table;
    this.glob = glob;
    this.zone = zone;
  }

  /** The table's rows under its name, and the rows rejected while reading under {@link TandemFeatures#REJECTED}. */
  @Override
  public PCollectionRowTuple expand(PBegin begin) {
    Schema schema = TandemSchemas.table(table);
    PCollectionTuple read = files(begin, table, glob)
        .apply("Read rows", ParDo.of(new ReadFile(table, schema, zone)).withOutputTags(ROWS, TupleTagList.of(REJECTED)));
    return PCollectionRowTuple.of(table.name(), read.get(ROWS).setRowSchema(schema),
        TandemFeatures.REJECTED, read.get(REJECTED).setRowSchema(TandemSchemas.REJECTED));
  }

  /**
   * The table's files as splits of whole row groups (from the footers), spread over workers: a
   * large file is read by several workers, each split giving its rows the sequences the whole
   * file would (the file's rank among the table's files by name in the high bits, the row's index
   * in the file in the low bits). Files are listed and their footers read when the pipeline is
   * built; a file whose footer cannot be read is one split, whose read reports the problem.
   */
  private static PCollection<FileSplit> files(PBegin begin, TableDef table, String glob) {
    List<MatchResult.Metadata> found;
    try {
      MatchResult match = FileSystems.match(glob);
      found = new ArrayList<>(match.status() == MatchResult.Status.OK ? match.metadata() : List.of());
    } catch (IOException e) {
      throw new IllegalArgumentException("table '" + table.name() + "': cannot list " + glob + ": " + e.getMessage(), e);
    }
    if (found.isEmpty()) {
      throw new IllegalArgumentException("table '" + table.name() + "': no Parquet files match " + glob);
    }
    found.sort(Comparator.comparing(m -> m.resourceId().toString()));
    List<FileSplit> splits = new ArrayList<>();
    for (int rank = 0; rank < found.size(); rank++) {
      splits.addAll(FileSplit.of(found.get(rank).resourceId(), (long) rank << ROW_BITS));
    }
    return begin
        .apply("List files", Create.of(splits).withCoder(SerializableCoder.of(FileSplit.class)))
        .apply("Spread files", Reshuffle.viaRandomKey());
  }

  /**
   * A part of a file: the row groups whose middle lies in bytes [start, end), and the sequence of
   * its first row.
   */
  record FileSplit(String file, long firstSequence, long start, long end) implements Serializable {
    /** One split per row group, or the whole file when it has none or its footer cannot be read. */
    static List<FileSplit> of(ResourceId file, long firstSequence) {
      String name = file.toString();
      List<FileSplit> splits = new ArrayList<>();
      try (ParquetFileReader reader = ParquetFileReader.open(new BeamInputFile(file))) {
        long row = 0;
        for (BlockMetaData block : reader.getFooter().getBlocks()) {
          splits.add(new FileSplit(name, firstSequence + row, block.getStartingPos(),
              block.getStartingPos() + block.getCompressedSize()));
          row += block.getRowCount();
        }
      } catch (IOException | RuntimeException e) {
        splits.clear(); // the read names the file and the problem
      }
      return splits.isEmpty() ? List.of(new FileSplit(name, firstSequence, 0, Long.MAX_VALUE)) : splits;
    }
  }

  /**
   * One table's files read straight into carried rows ({@link CarriedRows.ToValues#VALUES}: the
   * columns' core values, then the sequence) and the rows it cannot use
   * ({@link CarriedRows.ToValues#REJECTED}): what {@link ParquetTableSource} then
   * {@link CarriedRows} give, without a Beam Row in between. Each is a single-output read of the
   * files, so no runner has to keep the table's rows between steps to split them (rejected rows
   * are rare: their read decodes the files once more and emits almost nothing).
   */
  static final class Carried extends PTransform<PBegin, PCollectionTuple> {
    private final TableDef table;
    private final String glob;
    private final ZoneOffset zone;

    Carried(TableDef table, String glob, ZoneOffset zone) {
      this.table = table;
      this.glob = glob;
      this.zone = zone;
    }

    @Override
    public PCollectionTuple expand(PBegin begin) {
      PCollection<FileSplit> files = files(begin, table, glob);
      PCollection<Object[]> values = files.apply("Read values", ParDo.of(new ReadValues(table, zone)))
          .setCoder(new TaggedRow.ValuesCoder(TandemSchemas.carriedTypes(table)));
      PCollection<Row> rejected = files.apply("Read rejected rows", ParDo.of(new ReadRejected(table, zone)))
          .setRowSchema(TandemSchemas.REJECTED);
      return PCollectionTuple.of(CarriedRows.ToValues.VALUES, values).and(CarriedRows.ToValues.REJECTED, rejected);
    }
  }

  static final class ReadFile extends DoFn<FileSplit, Row> {
    private final TableDef table;
    private final Schema schema;
    private final ZoneOffset zone;
    // Rows that reach the transform are counted there; those rejected here never do.
    private final Counter read;
    private final Counter rejected;

    ReadFile(TableDef table, Schema schema, ZoneOffset zone) {
      this.table = table;
      this.schema = schema;
      this.zone = zone;
      this.read = CarriedRows.ToValues.rowsRead(table);
      this.rejected = CarriedRows.ToValues.rowsRejected(table);
    }

    @ProcessElement
    public void process(@Element FileSplit split, MultiOutputReceiver out) throws IOException {
      TandemFiles.RecordValues toRow = new TandemFiles.RecordValues(table, split.file());
      long[] sequence = {split.firstSequence()};
      TandemFiles.readRows(table, split, r -> {
        Row row = toRow.row(schema, r, sequence[0]++, zone);
        if (row.getSchema().equals(TandemSchemas.REJECTED)) {
          read.inc();
          rejected.inc();
          out.get(REJECTED).output(row);
        } else {
          out.get(ROWS).output(row);
        }
      });
    }
  }

  /** A file's rows as carried rows or, when the features cannot use them, as rejected rows. */
  interface CarriedOrRejected {
    void carried(Object[] values);

    void rejected(Row row);
  }

  /** Reads one split into carried or rejected rows, in file order. */
  static void readCarried(TableDef table, ZoneOffset zone, FileSplit split, CarriedOrRejected out) throws IOException {
    TandemFiles.RecordValues toValues = new TandemFiles.RecordValues(table, split.file());
    long[] sequence = {split.firstSequence()};
    TandemFiles.readRows(table, split, r -> {
      Row refused;
      try {
        Object[] values = toValues.carried(r, sequence[0]++, zone);
        refused = CarriedRows.ToValues.rejection(table, values);
        if (refused == null) {
          out.carried(values);
          return;
        }
      } catch (TandemFiles.Unparsable e) {
        refused = e.rejected;
      }
      out.rejected(refused);
    });
  }

  /** {@link Carried}'s read of the usable rows; it counts every row read and rejected. */
  static final class ReadValues extends DoFn<FileSplit, Object[]> {
    private final TableDef table;
    private final ZoneOffset zone;
    private final Counter read;
    private final Counter rejected;

    ReadValues(TableDef table, ZoneOffset zone) {
      this.table = table;
      this.zone = zone;
      this.read = CarriedRows.ToValues.rowsRead(table);
      this.rejected = CarriedRows.ToValues.rowsRejected(table);
    }

    @ProcessElement
    public void process(@Element FileSplit split, OutputReceiver<Object[]> out) throws IOException {
      readCarried(table, zone, split, new CarriedOrRejected() {
        @Override
        public void carried(Object[] values) {
          read.inc();
          out.output(values);
        }

        @Override
        public void rejected(Row row) {
          read.inc();
          rejected.inc();
        }
      });
    }
  }

  /** {@link Carried}'s read of the rows the features cannot use (counted by {@link ReadValues}). */
  static final class ReadRejected extends DoFn<FileSplit, Row> {
    private final TableDef table;
    private final ZoneOffset zone;

    ReadRejected(TableDef table, ZoneOffset zone) {
      this.table = table;
      this.zone = zone;
    }

    @ProcessElement
    public void process(@Element FileSplit split, OutputReceiver<Row> out) throws IOException {
      readCarried(table, zone, split, new CarriedOrRejected() {
        @Override
        public void carried(Object[] values) {}

        @Override
        public void rejected(Row row) {
          out.output(row);
        }
      });
    }
  }

  /** A Parquet {@link InputFile} over Beam's file systems (local, GCS, HDFS...). */
  static final class BeamInputFile implements InputFile {
    private final ResourceId resource;

    BeamInputFile(ResourceId resource) {
      this.resource = resource;
    }

    /** The file's name, which Parquet's messages give. */
    @Override
    public String toString() {
      return resource.toString();
    }

    @Override
    public long getLength() throws IOException {
      return FileSystems.matchSingleFileSpec(resource.toString()).sizeBytes();
    }

    @Override
    public SeekableInputStream newStream() throws IOException {
      java.nio.channels.ReadableByteChannel opened = FileSystems.open(resource);
      if (!(opened instanceof SeekableByteChannel channel)) {
        opened.close();
        throw new IOException(resource + ": its file system cannot seek, which Parquet needs");
      }
      return new DelegatingSeekableInputStream(Channels.newInputStream(channel)) {
        @Override
        public long getPos() throws IOException {
          return channel.position();
        }

        @Override
        public void seek(long newPos) throws IOException {
          channel.position(newPos);
        }

        @Override
        public int read(ByteBuffer buf) throws IOException {
          return channel.read(buf);
        }
      };
    }
  }
}
