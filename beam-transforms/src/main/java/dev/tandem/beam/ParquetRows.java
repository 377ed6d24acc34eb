package dev.tandem.beam;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

/**
 * Reads a table's Parquet file straight into value arrays, without Avro or Beam rows in between:
 * only the table's columns (a projection), in the table's column order, each value as the core
 * holds it (String, Integer, Long, Float, Double, Boolean, Instant), or as the file's text when
 * a text column holds another type (the caller parses it). Text read through a dictionary is
 * decoded once per dictionary, not once per row.
 *
 * <p>The file's columns must have been checked against the table first
 * ({@link TandemParquet#readRows} does): each is the column's exact type or text.
 */
final class ParquetRows {
  private ParquetRows() {}

  /**
   * A reader of the rows of the file's row groups whose middle lies in bytes [start, end), in file
   * order: each {@link ParquetReader#read()} gives a new array of the table's width plus one free
   * slot at the end (for the caller's sequence), or null at the end.
   */
  static ParquetReader<Object[]> reader(TableDef table, InputFile file, long start, long end) throws IOException {
    return new ParquetReader.Builder<Object[]>(file) {
      @Override
      protected ReadSupport<Object[]> getReadSupport() {
        return new Support(table);
      }
    }.withConf(new Configuration()).usePageChecksumVerification().withFileRange(start, end).build();
  }

  private static final class Support extends ReadSupport<Object[]> {
    private final TableDef table;

    Support(TableDef table) {
      this.table = table;
    }

    @Override
    public ReadContext init(InitContext context) {
      MessageType file = context.getFileSchema();
      List<org.apache.parquet.schema.Type> columns = table.columns().stream().map(c -> file.getType(c.name())).toList();
      return new ReadContext(new MessageType(file.getName(), columns));
    }

    @Override
    public RecordMaterializer<Object[]> prepareForRead(Configuration conf, Map<String, String> keyValueMetaData,
        MessageType fileSchema, ReadContext context) {
      return new Materializer(table, context.getRequestedSchema());
    }
  }

  /** Assembles one array per record: each column's converter sets its slot; a NULL leaves it null. */
  private static final class Materializer extends RecordMaterializer<Object[]> {
    private final Converter[] columns;
    private final int width;
    private Object[] current;
    private final GroupConverter root = new GroupConverter() {
      @Override
      public Converter getConverter(int fieldIndex) {
        return columns[fieldIndex];
      }

      @Override
      public void start() {
        current = new Object[width];
      }

      @Override
      public void end() {}
    };

    Materializer(TableDef table, MessageType requested) {
      List<TableDef.ColumnDef> defs = table.columns();
      this.width = defs.size() + 1;
      this.columns = new Converter[defs.size()];
      for (int i = 0; i < defs.size(); i++) {
        columns[i] = converter(i, defs.get(i).type(), requested.getType(i).asPrimitiveType());
      }
    }

    @Override
    public Object[] getCurrentRecord() {
      return current;
    }

    @Override
    public GroupConverter getRootConverter() {
      return root;
    }

    private Converter converter(int slot, Type type, PrimitiveType parquet) {
      if (parquet.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY) {
        return new TextConverter(slot);
      }
      return switch (type) {
        case INT -> new PrimitiveConverter() {
          @Override
          public void addInt(int value) {
            current[slot] = value;
          }
        };
        case BIGINT -> new PrimitiveConverter() {
          @Override
          public void addLong(long value) {
            current[slot] = value;
          }
        };
        case FLOAT -> new PrimitiveConverter() {
          @Override
          public void addFloat(float value) {
            current[slot] = value;
          }
        };
        case DOUBLE -> new PrimitiveConverter() {
          @Override
          public void addDouble(double value) {
            current[slot] = value;
          }
        };
        case BOOL -> new PrimitiveConverter() {
          @Override
          public void addBoolean(boolean value) {
            current[slot] = value;
          }
        };
        case TIMESTAMP -> {
          boolean micros = parquet.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
              && ts.getUnit() == LogicalTypeAnnotation.TimeUnit.MICROS;
          yield new PrimitiveConverter() {
            @Override
            public void addLong(long value) {
              current[slot] = Instant.ofEpochMilli(micros ? Math.floorDiv(value, 1000L) : value);
            }
          };
        }
        case STRING, NULL -> throw new IllegalStateException("column " + parquet.getName() + ": " + parquet + " is not " + type);
      };
    }

    /** Text, decoded once per dictionary entry when the page is dictionary-encoded. */
    private final class TextConverter extends PrimitiveConverter {
      private final int slot;
      private String[] dictionary;

      TextConverter(int slot) {
        this.slot = slot;
      }

      @Override
      public boolean hasDictionarySupport() {
        return true;
      }

      @Override
      public void setDictionary(Dictionary d) {
        dictionary = new String[d.getMaxId() + 1];
        for (int id = 0; id <= d.getMaxId(); id++) {
          dictionary[id] = d.decodeToBinary(id).toStringUsingUTF8();
        }
      }

      @Override
      public void addValueFromDictionary(int dictionaryId) {
        current[slot] = dictionary[dictionaryId];
      }

      @Override
      public void addBinary(Binary value) {
        current[slot] = value.toStringUsingUTF8();
      }
    }
  }
}
