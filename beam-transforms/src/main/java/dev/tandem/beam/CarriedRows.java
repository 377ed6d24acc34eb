package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import java.util.List;
import java.util.function.Function;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The first step of {@link TandemFeatures}: the input tables it reads, as carried rows (each
 * column's core value, then the ingestion sequence), one collection per table ({@link #tag}), and
 * {@link #REJECTED}: the rows it cannot use, with their reason, and the rows the input already
 * rejected ({@link TandemFeatures#REJECTED}), passed through.
 */
final class CarriedRows extends PTransform<PCollectionRowTuple, PCollectionTuple> {
  /** Every rejected row, schema {@link TandemSchemas#REJECTED}. */
  static final TupleTag<Row> REJECTED = new TupleTag<>(TandemFeatures.REJECTED);

  private final SpecSource spec;
  private final List<String> tables;

  /** The carried rows of {@code tables}, converted in this order. */
  CarriedRows(SpecSource spec, List<String> tables) {
    this.spec = spec;
    this.tables = List.copyOf(tables);
  }

  /** The carried rows of a table. */
  static TupleTag<Object[]> tag(String table) {
    return new TupleTag<>(table);
  }

  /** The carried rows of {@code tables}, in this order. */
  static PCollectionList<Object[]> of(PCollectionTuple carried, List<String> tables) {
    return PCollectionList.of(tables.stream().map(table -> carried.get(tag(table))).toList());
  }

  @Override
  public PCollectionTuple expand(PCollectionRowTuple input) {
    FeatureSpec s = spec.get();
    PCollectionList<Row> passedOn = input.has(TandemFeatures.REJECTED)
        ? PCollectionList.of(input.get(TandemFeatures.REJECTED))
        : PCollectionList.empty(input.getPipeline());
    return gather(input.getPipeline(), tables, name -> {
      if (!input.has(name)) {
        throw new IllegalArgumentException("input has no table '" + name + "' (the spec needs: "
            + String.join(", ", s.tables().stream().map(TableDef::name).toList()) + "; given: "
            + String.join(", ", input.getAll().keySet()) + ")");
      }
      TableDef table = s.table(name);
      PCollectionTuple values = input.get(name).apply("Values of " + name,
          ParDo.of(new ToValues(table))
              .withOutputTags(ToValues.VALUES, TupleTagList.of(ToValues.REJECTED)));
      values.get(ToValues.VALUES).setCoder(new TaggedRow.ValuesCoder(TandemSchemas.carriedTypes(table)));
      values.get(ToValues.REJECTED).setRowSchema(TandemSchemas.REJECTED);
      return values;
    }, passedOn);
  }

  /**
   * {@code tables} read from Parquet ({@code DIR/<table>/*.parquet}) straight into carried rows:
   * the same tuple as {@link CarriedRows} over {@link TandemParquet#read}, in one step per table.
   */
  static PTransform<PBegin, PCollectionTuple> fromParquet(SpecSource spec, List<String> tables, String dataDir) {
    List<String> names = List.copyOf(tables);
    return new PTransform<>("Read Parquet values") {
      @Override
      public PCollectionTuple expand(PBegin begin) {
        FeatureSpec s = spec.get();
        return gather(begin.getPipeline(), names, name -> {
          TableDef table = s.table(name);
          return begin.apply("Read " + name,
              new ParquetTableSource.Carried(table, TandemFiles.tableGlob(dataDir, table), s.timezone()));
        }, PCollectionList.empty(begin.getPipeline()));
      }
    };
  }

  /**
   * Each table's carried rows ({@link ToValues#VALUES} of what {@code perTable} gives) under its
   * {@link #tag}, and under {@link #REJECTED} every table's rejected rows ({@link ToValues#REJECTED})
   * and {@code passedOn}, flattened.
   */
  private static PCollectionTuple gather(Pipeline pipeline, List<String> tables,
      Function<String, PCollectionTuple> perTable, PCollectionList<Row> passedOn) {
    PCollectionTuple carried = PCollectionTuple.empty(pipeline);
    PCollectionList<Row> rejected = PCollectionList.empty(pipeline);
    for (String name : tables) {
      PCollectionTuple values = perTable.apply(name);
      carried = carried.and(tag(name), values.get(ToValues.VALUES));
      rejected = rejected.and(values.get(ToValues.REJECTED));
    }
    PCollection<Row> allRejected = rejected.and(passedOn.getAll()).apply("Rejected rows", Flatten.pCollections());
    return carried.and(REJECTED, allRejected.setRowSchema(TandemSchemas.REJECTED));
  }

  /**
   * Beam rows to carried rows (the columns' core values, then the ingestion sequence), or to
   * rejected rows: a row without a time cannot be placed in time, a request without a key cannot
   * be told apart.
   */
  static final class ToValues extends DoFn<Row, Object[]> {
    static final TupleTag<Object[]> VALUES = new TupleTag<>() {};
    static final TupleTag<Row> REJECTED = new TupleTag<>() {};

    private final TableDef table;
    private final Counter read;
    private final Counter rejected;

    ToValues(TableDef table) {
      this.table = table;
      this.read = rowsRead(table);
      this.rejected = rowsRejected(table);
    }

    @ProcessElement
    public void process(@Element Row row, MultiOutputReceiver out) {
      read.inc();
      Object[] values = TandemSchemas.carried(row, table);
      Row refused = rejection(table, values);
      if (refused == null) {
        out.get(VALUES).output(values);
      } else {
        rejected.inc();
        out.get(REJECTED).output(refused);
      }
    }

    /** The counter of a table's rows read (each row once, whichever step reads it). */
    static Counter rowsRead(TableDef table) {
      return Metrics.counter(TandemFeatures.METRICS, "rows read: " + table.name());
    }

    /** The counter of a table's rows rejected. */
    static Counter rowsRejected(TableDef table) {
      return Metrics.counter(TandemFeatures.METRICS, "rows rejected: " + table.name());
    }

    /** The rejected row of carried {@code values} the features cannot use, or null ({@link TableDef#rejection}). */
    static Row rejection(TableDef table, Object[] values) {
      String reason = table.rejection(values);
      return reason == null ? null : TandemSchemas.rejected(table.name(), reason, TandemSchemas.describe(table.names(), values));
    }
  }
}
