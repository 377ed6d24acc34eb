package dev.tandem.beam;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file of many row groups is read in splits, each row keeping the sequence a whole-file read gives it. */
class ParquetTableSourceTest {
  private static final TableDef TABLE = new TableDef("e", TableDef.Role.EVENT, null, "t", List.of(
      new TableDef.ColumnDef("id", Type.STRING), new TableDef.ColumnDef("t", Type.TIMESTAMP),
      new TableDef.ColumnDef("v", Type.BIGINT)));
  private static final int ROWS = 20_000;

  @TempDir
  Path dir;

  @Test
  void rowGroupsAreSplitsAndKeepTheirFileSequences() throws Exception {
    Path file = java.nio.file.Files.createDirectories(dir.resolve("e")).resolve("part-0.parquet");
    MessageType schema = ParquetTableWriter.parquetSchema(TABLE, Set.of());
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new ParquetTableWriter.LocalOutputFile(file))
        .withConf(new Configuration()).withType(schema).withRowGroupSize(16 * 1024).build()) {
      for (int i = 0; i < ROWS; i++) {
        Group g = groups.newGroup().append("id", "k" + (i % 97)).append("t", 1_450_000_000_000_000L + i * 1000L);
        if (i % 5 != 0) {
          g.append("v", (long) i * 7);
        }
        w.write(g);
      }
    }
    ResourceId resource = FileSystems.matchNewResource(file.toString(), false);
    List<ParquetTableSource.FileSplit> splits = ParquetTableSource.FileSplit.of(resource, 3L << ParquetTableSource.ROW_BITS);
    assertThat(splits.size(), greaterThan(2));

    // The whole file read in one pass, sequences counted from the file's first row.
    org.apache.beam.sdk.schemas.Schema rowSchema = TandemSchemas.table(TABLE);
    List<Row> expected = new ArrayList<>();
    long[] sequence = {0};
    TandemFiles.readRows(TABLE, resource, r -> {
      r[TABLE.columns().size()] = sequence[0]++;
      expected.add(TandemSchemas.row(rowSchema, r));
    });
    assertThat(expected.size(), is(ROWS));
    assertThat(expected.get(ROWS - 1).getValue("t"), is(new org.joda.time.Instant(
        Instant.ofEpochMilli(1_450_000_000_000L + ROWS - 1).toEpochMilli())));

    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    PAssert.that(p.apply(new ParquetTableSource(TABLE, dir.resolve("e/*.parquet").toString(), ZoneOffset.UTC))
        .get(TABLE.name())).containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }
}
