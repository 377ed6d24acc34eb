package dev.tandem.beam;

import dev.tandem.spec.FeatureDef;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.TableDef;
import dev.tandem.spec.Type;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Beam schemas derived from a spec, and the conversion between Beam {@link Row}s and the
 * evaluation core's value arrays. Every field is nullable; timestamps are {@code DATETIME}.
 */
public final class TandemSchemas {
  private TandemSchemas() {}

  /** The schema of an input table's rows. */
  public static Schema table(TableDef table) {
    Schema.Builder b = Schema.builder();
    for (TableDef.ColumnDef c : table.columns()) {
      b.addNullableField(c.name(), fieldType(c.type()));
    }
    return b.build();
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

  /** Row to core values; the row must have the table's fields (by name). */
  static Object[] values(Row row, List<TableDef.ColumnDef> columns) {
    Object[] out = new Object[columns.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = row.getValue(columns.get(i).name());
      out[i] = v instanceof org.joda.time.ReadableInstant t ? java.time.Instant.ofEpochMilli(t.getMillis()) : v;
    }
    return out;
  }

  /** Core values to a Row of {@code schema}. */
  static Row row(Schema schema, Object[] values) {
    Object[] converted = new Object[values.length];
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      converted[i] = v instanceof java.time.Instant t ? new Instant(t.toEpochMilli()) : v;
    }
    return Row.withSchema(schema).addValues(converted).build();
  }
}
