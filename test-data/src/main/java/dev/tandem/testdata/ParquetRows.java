package dev.tandem.testdata;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/** Reads Parquet files back for tests and checks, independently of the pipelines' reader. */
public final class ParquetRows {
  private ParquetRows() {}

  /** Every row of every {@code *.parquet} file of a folder, files in name order. */
  public static List<GenericRecord> readFolder(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.parquet")) {
      ds.forEach(files::add);
    }
    files.sort(null);
    List<GenericRecord> rows = new ArrayList<>();
    for (Path f : files) {
      try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(
          HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f.toUri()), new Configuration())).build()) {
        for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
          rows.add(r);
        }
      }
    }
    return rows;
  }
}
