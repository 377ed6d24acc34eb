package dev.tandem.model;

import dev.tandem.spec.def.ModelDef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.MessageType;

/**
 * A training set written by {@code tandem training-set}: {@code metadata.json} and the
 * {@code train}, {@code validation} and {@code test} folders of Parquet files. Opening it checks
 * everything that can be checked without reading rows (folders, files, columns, row counts), so
 * a bad training set fails before any training. Rows are read as a stream, file by file, and
 * only the label and the ids columns are decoded.
 */
final class TrainingSet {
  static final List<String> SPLITS = Splits.NAMES;

  /** One Parquet file of a split and the Avro projection (label, ids) to read it with. */
  record Part(Path file, Schema projection, long rows) {}

  /** A split's files and its counts as metadata.json states them. */
  record Split(String name, List<Part> parts, long rows, long positives) {}

  /** Receives one row: its ids (a fresh array) and its label (NULL already turned into 0). */
  interface RowConsumer {
    void accept(long[] ids, int label);
  }

  private final Path dir;
  private final TrainingSetMetadata metadata;
  private final Map<String, Split> splits;

  private TrainingSet(Path dir, TrainingSetMetadata metadata, Map<String, Split> splits) {
    this.dir = dir;
    this.metadata = metadata;
    this.splits = splits;
  }

  static TrainingSet open(Path dir) throws ModelException, IOException {
    if (!Files.isDirectory(dir)) {
      throw new ModelException("training set folder " + dir + " not found");
    }
    TrainingSetMetadata metadata = TrainingSetMetadata.read(dir);
    if (metadata.modelIds().inputs().isEmpty()) {
      throw new ModelException(dir.resolve(TrainingSetMetadata.FILE) + ": model_ids.inputs is empty");
    }
    String label = metadata.label();
    String idsColumn = metadata.modelIds().column();
    Map<String, Split> splits = new LinkedHashMap<>();
    for (String name : SPLITS) {
      TrainingSetMetadata.SplitCounts counts = metadata.splits().get(name);
      splits.put(name, new Split(name, parts(dir.resolve(name), name, label, idsColumn, counts.rows()), counts.rows(),
          counts.positives()));
    }
    return new TrainingSet(dir, metadata, splits);
  }

  /** The split's Parquet files, each checked for the two columns; their row counts must add up to {@code rows}. */
  private static List<Part> parts(Path folder, String split, String label, String idsColumn, long rows)
      throws ModelException, IOException {
    if (!Files.isDirectory(folder)) {
      throw new ModelException("split '" + split + "': folder " + folder + " not found");
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(folder)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new ModelException("split '" + split + "': no Parquet files in " + folder);
    }
    List<Part> parts = new ArrayList<>();
    long total = 0;
    for (Path file : files) {
      Part part = part(file, label, idsColumn);
      parts.add(part);
      total += part.rows();
    }
    if (total == 0) {
      throw new ModelException("split '" + split + "' is empty: the Parquet files in " + folder + " hold no rows");
    }
    if (total != rows) {
      throw new ModelException("split '" + split + "': metadata.json says " + rows + " rows but the Parquet files in "
          + folder + " hold " + total);
    }
    return parts;
  }

  private static Part part(Path file, String label, String idsColumn) throws ModelException, IOException {
    MessageType schema;
    long rows;
    try (ParquetFileReader reader = ParquetFileReader.open(inputFile(file))) {
      schema = reader.getFooter().getFileMetaData().getSchema();
      rows = reader.getRecordCount();
    } catch (RuntimeException | IOException e) {
      throw new ModelException(file + " is not a readable Parquet file: " + e.getMessage(), e);
    }
    for (String column : List.of(label, idsColumn)) {
      if (!schema.containsField(column)) {
        throw new ModelException(file + " has no column '" + column + "'");
      }
    }
    Schema projection = new AvroSchemaConverter()
        .convert(new MessageType(schema.getName(), schema.getType(label), schema.getType(idsColumn)));
    Schema labelType = nonNull(projection.getField(label).schema());
    if (labelType.getType() != Schema.Type.INT && labelType.getType() != Schema.Type.LONG) {
      throw new ModelException(file + ": label column '" + label + "' is " + labelType + ", expected int");
    }
    Schema idsType = nonNull(projection.getField(idsColumn).schema());
    if (idsType.getType() != Schema.Type.ARRAY || nonNull(idsType.getElementType()).getType() != Schema.Type.LONG) {
      throw new ModelException(file + ": column '" + idsColumn + "' is " + idsType + ", expected a list of int64");
    }
    return new Part(file, projection, rows);
  }

  private static Schema nonNull(Schema schema) {
    if (schema.getType() != Schema.Type.UNION) {
      return schema;
    }
    return schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElse(schema);
  }

  private static InputFile inputFile(Path file) throws IOException {
    return HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toAbsolutePath().toUri()), new Configuration());
  }

  Path dir() {
    return dir;
  }

  String specName() {
    return metadata.spec().name();
  }

  String specSha256() {
    return metadata.spec().sha256();
  }

  long hashSeed() {
    return metadata.modelIds().seed();
  }

  List<ModelDef.Input> inputs() {
    return metadata.modelIds().inputs();
  }

  /** Ids per row. */
  int width() {
    return inputs().size();
  }

  Split split(String name) {
    return splits.get(name);
  }

  /**
   * Streams the rows of {@code parts} in that order to {@code consumer}; returns how many rows
   * had a NULL label (passed on as 0). A row without the right number of ids, or with a label
   * other than 0, 1 or NULL, is a {@link ModelException} naming the file and row.
   */
  long read(List<Part> parts, RowConsumer consumer) throws ModelException, IOException {
    String label = metadata.label();
    String idsColumn = metadata.modelIds().column();
    long nullLabels = 0;
    for (Part part : parts) {
      Configuration conf = new Configuration();
      AvroReadSupport.setRequestedProjection(conf, part.projection());
      try (ParquetReader<GenericRecord> reader =
               AvroParquetReader.<GenericRecord>builder(inputFile(part.file())).withConf(conf).build()) {
        long row = 0;
        for (GenericRecord record = reader.read(); record != null; record = reader.read(), row++) {
          Object labelValue = record.get(label);
          int y;
          if (labelValue == null) {
            y = 0;
            nullLabels++;
          } else {
            long v = ((Number) labelValue).longValue();
            if (v != 0 && v != 1) {
              throw new ModelException(part.file() + ", row " + row + ": label '" + label + "' is " + v
                  + ", expected 0, 1 or NULL");
            }
            y = (int) v;
          }
          consumer.accept(ids(record.get(idsColumn), part.file(), row), y);
        }
      }
    }
    return nullLabels;
  }

  private long[] ids(Object value, Path file, long row) throws ModelException {
    String idsColumn = metadata.modelIds().column();
    int width = width();
    if (!(value instanceof List<?> list) || list.size() != width) {
      throw new ModelException(file + ", row " + row + ": '" + idsColumn + "' holds "
          + (value instanceof List<?> l ? l.size() + " ids" : "no list") + ", metadata.json declares " + width
          + " inputs");
    }
    long[] ids = new long[list.size()];
    for (int i = 0; i < ids.length; i++) {
      Object id = list.get(i);
      // The 3-level list layout arrives as records of one element.
      if (id instanceof GenericRecord element) {
        id = element.get(0);
      }
      if (id == null) {
        throw new ModelException(file + ", row " + row + ": '" + idsColumn + "' holds a NULL id at " + i);
      }
      ids[i] = (Long) id;
    }
    return ids;
  }
}
