package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Beam schemas derived from a spec, and the conversion between Beam {@link Row}s and the
 * evaluation core's value arrays. Every field is nullable; timestamps are {@code DATETIME}.
 */
public final class TandemSchemas {
  /**
   * The optional last field of an input row: its ingestion sequence, which orders rows of one
   * table at equal times (see {@link dev.tandem.spec.eval.IngestedRow}). {@link TandemParquet#read}
   * fills it with the row's position in its table's files; rows without it count as sequence 0.
   */
  public static final String SEQUENCE_FIELD = "__sequence";

  /** Rows that could not be used: the table, the reason, and the row's values as text. */
  public static final Schema REJECTED = Schema.builder()
      .addStringField("table").addStringField("reason").addStringField("row").build();

  private TandemSchemas() {}

  /** A rejected row. */
  static Row rejected(String table, String reason, String rowText) {
    return Row.withSchema(REJECTED).addValues(table, reason, rowText).build();
  }

  /** The values of a row as text, for a rejected-rows output: {@code name=value, ...}, NULL as NULL. */
  static String describe(List<String> names, Object[] values) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.size() && i < values.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(names.get(i)).append('=').append(values[i] == null ? "NULL" : values[i]);
    }
    return sb.toString();
  }

  /** The schema of an input table's rows: the spec's columns, then {@link #SEQUENCE_FIELD}. */
  public static Schema table(TableDef table) {
    Schema.Builder b = Schema.builder();
    for (TableDef.ColumnDef c : table.columns()) {
      b.addNullableField(c.name(), fieldType(c.type()));
    }
    b.addNullableField(SEQUENCE_FIELD, Schema.FieldType.INT64);
    return b.build();
  }

  /** The types of a table row as carried between steps: the columns, then the sequence. */
  static List<Type> carriedTypes(TableDef table) {
    List<Type> types = new java.util.ArrayList<>(table.types());
    types.add(Type.BIGINT);
    return types;
  }

  /** Splits a carried row into its values and its sequence. */
  static dev.tandem.spec.eval.IngestedRow ingested(Object[] carried) {
    int n = carried.length - 1;
    return new dev.tandem.spec.eval.IngestedRow(java.util.Arrays.copyOf(carried, n), (Long) carried[n]);
  }

  /** The schema of the feature table: one field per feature, in order. */
  public static Schema output(FeatureSpec spec) {
    Schema.Builder b = Schema.builder();
    for (FeatureDef f : spec.features()) {
      b.addNullableField(f.name(), fieldType(f.type()));
    }
    return b.build();
  }

  static Schema.FieldType fieldType(Type type) {
    return switch (type) {
      case STRING -> Schema.FieldType.STRING;
      case INT -> Schema.FieldType.INT32;
      case BIGINT -> Schema.FieldType.INT64;
      case FLOAT -> Schema.FieldType.FLOAT;
      case DOUBLE -> Schema.FieldType.DOUBLE;
      case BOOL -> Schema.FieldType.BOOLEAN;
      case TIMESTAMP -> Schema.FieldType.DATETIME;
      case NULL -> throw new IllegalArgumentException("NULL is not a column type");
    };
  }

  /**
   * Row to a carried row: core values of the table's columns (by name), then the sequence.
   *
   * @throws IllegalArgumentException naming the table and column when a field is missing
   */
  static Object[] carried(Row row, TableDef table) {
    List<TableDef.ColumnDef> columns = table.columns();
    Schema schema = row.getSchema();
    Object[] out = new Object[columns.size() + 1];
    for (int i = 0; i < columns.size(); i++) {
      String name = columns.get(i).name();
      if (!schema.hasField(name)) {
        throw new IllegalArgumentException("table '" + table.name() + "', column '" + name + "': not in the input rows");
      }
      Object v = row.getValue(name);
      out[i] = v instanceof org.joda.time.ReadableInstant t ? java.time.Instant.ofEpochMilli(t.getMillis()) : v;
    }
    Long sequence = schema.hasField(SEQUENCE_FIELD) ? row.getInt64(SEQUENCE_FIELD) : null;
    out[columns.size()] = sequence == null ? 0L : sequence;
    return out;
  }

  /**
   * Core values to a Row of {@code schema}. The core's values already have the schema's Java
   * types (Instants aside), so the row is attached without {@code build()}'s per-row field
   * checks, which cost more than the features themselves.
   */
  static Row row(Schema schema, Object[] values) {
    List<Object> converted = new ArrayList<>(values.length);
    for (Object v : values) {
      converted.add(v instanceof java.time.Instant t ? new Instant(t.toEpochMilli()) : v);
    }
    return Row.withSchema(schema).attachValues(converted);
  }
}
