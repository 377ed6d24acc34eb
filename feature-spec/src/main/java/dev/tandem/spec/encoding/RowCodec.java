package dev.tandem.spec.encoding;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.IngestedRow;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A compact binary form of a table's rows with their ingestion sequences and event ids: the
 * value of one unit of state online (one Redis value per store and key).
 *
 * <pre>
 * blob    = version:u8  schema:u32  count:varint  row*
 * row     = sequence:zigzag-varlong  eventId:u64  nulls:bitmap  value*   (one value per non-NULL column)
 * value   = string: varint length + UTF-8 | int, bigint, timestamp (epoch ms): zigzag varlong
 *         | float: 4 bytes IEEE | double: 8 bytes IEEE | bool: 1 byte
 * </pre>
 *
 * The version byte changes with this layout and {@code schema} is a hash of the table's name,
 * column names and types: a blob written by another layout or for another table shape is
 * refused with a clear error, never misread.
 */
public final class RowCodec {
  /** The layout version written in the first byte. */
  public static final int VERSION = 1;

  private final TableDef table;
  private final Type[] types;
  private final int schema;

  public RowCodec(TableDef table) {
    this.table = table;
    this.types = table.types().toArray(Type[]::new);
    StringBuilder shape = new StringBuilder(table.name());
    table.columns().forEach(c -> shape.append('\u0000').append(c.name()).append('\u0000').append(c.type().specName()));
    this.schema = (int) XxHash64.hash(shape.toString(), 0);
  }

  public TableDef table() {
    return table;
  }

  public byte[] encode(List<IngestedRow> rows) {
    Out out = new Out(16 + rows.size() * 8 * types.length);
    out.write(VERSION);
    out.fixed(schema, 4);
    out.varlong(rows.size());
    byte[] nulls = new byte[(types.length + 7) / 8];
    for (IngestedRow row : rows) {
      Object[] values = row.values();
      if (values.length != types.length) {
        throw new IllegalArgumentException(table.name() + ": a row of " + values.length + " values for " + types.length + " columns");
      }
      out.varlong(zigzag(row.sequence()));
      out.fixed(row.eventId(), 8);
      java.util.Arrays.fill(nulls, (byte) 0);
      for (int i = 0; i < types.length; i++) {
        if (values[i] == null) {
          nulls[i >>> 3] |= (byte) (1 << (i & 7));
        }
      }
      out.write(nulls, 0, nulls.length);
      for (int i = 0; i < types.length; i++) {
        if (values[i] != null) {
          value(out, table.columns().get(i).name(), types[i], values[i]);
        }
      }
    }
    return out.toByteArray();
  }

  /** @throws IllegalArgumentException when the blob has another version or schema, or is truncated */
  public List<IngestedRow> decode(byte[] blob) {
    In in = new In(blob);
    int version = in.u8();
    if (version != VERSION) {
      throw new IllegalArgumentException("state of table " + table.name() + ": row layout version " + version
          + ", this build reads version " + VERSION + " (re-materialize the state)");
    }
    int found = (int) in.fixed(4);
    if (found != schema) {
      throw new IllegalArgumentException("state of table " + table.name()
          + ": written for other columns (schema hash differs); re-materialize the state for this spec");
    }
    int count = (int) in.varlong();
    List<IngestedRow> rows = new ArrayList<>(count);
    byte[] nulls = new byte[(types.length + 7) / 8];
    for (int r = 0; r < count; r++) {
      long sequence = unzigzag(in.varlong());
      long eventId = in.fixed(8);
      in.bytes(nulls);
      Object[] values = new Object[types.length];
      for (int i = 0; i < types.length; i++) {
        if ((nulls[i >>> 3] & (1 << (i & 7))) == 0) {
          values[i] = value(in, types[i]);
        }
      }
      rows.add(new IngestedRow(values, sequence, eventId));
    }
    if (in.pos != blob.length) {
      throw new IllegalArgumentException("state of table " + table.name() + ": " + (blob.length - in.pos) + " bytes after the last row");
    }
    return rows;
  }

  private static void value(Out out, String column, Type type, Object v) {
    try {
      switch (type) {
        case STRING -> {
          byte[] b = ((String) v).getBytes(StandardCharsets.UTF_8);
          out.varlong(b.length);
          out.write(b, 0, b.length);
        }
        case INT -> out.varlong(zigzag((Integer) v));
        case BIGINT -> out.varlong(zigzag((Long) v));
        case TIMESTAMP -> out.varlong(zigzag(((Instant) v).toEpochMilli()));
        case FLOAT -> out.fixed(Float.floatToRawIntBits((Float) v), 4);
        case DOUBLE -> out.fixed(Double.doubleToRawLongBits((Double) v), 8);
        case BOOL -> out.write((Boolean) v ? 1 : 0);
        case NULL -> throw new IllegalArgumentException("NULL is not a column type");
      }
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("column '" + column + "' (" + type.specName() + "): a "
          + v.getClass().getSimpleName() + " value", e);
    }
  }

  private static Object value(In in, Type type) {
    return switch (type) {
      case STRING -> in.string((int) in.varlong());
      case INT -> (int) unzigzag(in.varlong());
      case BIGINT -> unzigzag(in.varlong());
      case TIMESTAMP -> Instant.ofEpochMilli(unzigzag(in.varlong()));
      case FLOAT -> Float.intBitsToFloat((int) in.fixed(4));
      case DOUBLE -> Double.longBitsToDouble(in.fixed(8));
      case BOOL -> in.u8() != 0;
      case NULL -> throw new IllegalStateException();
    };
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  private static final class Out extends ByteArrayOutputStream {
    Out(int size) {
      super(size);
    }

    void varlong(long v) {
      while ((v & ~0x7FL) != 0) {
        write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      write((int) v);
    }

    void fixed(long v, int bytes) {
      for (int i = bytes - 1; i >= 0; i--) {
        write((int) (v >>> (8 * i)));
      }
    }
  }

  private final class In {
    private final byte[] buf;
    private int pos;

    In(byte[] buf) {
      this.buf = buf;
    }

    private void need(int n) {
      if (pos + n > buf.length) {
        throw new IllegalArgumentException("state of table " + table.name() + ": truncated at byte " + pos);
      }
    }

    int u8() {
      need(1);
      return buf[pos++] & 0xFF;
    }

    long varlong() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = u8();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("state of table " + table.name() + ": malformed number at byte " + pos);
    }

    long fixed(int bytes) {
      need(bytes);
      long v = 0;
      for (int i = 0; i < bytes; i++) {
        v = (v << 8) | (buf[pos++] & 0xFF);
      }
      return bytes == 4 ? (int) v : v;
    }

    void bytes(byte[] into) {
      need(into.length);
      System.arraycopy(buf, pos, into, 0, into.length);
      pos += into.length;
    }

    String string(int length) {
      need(length);
      String s = new String(buf, pos, length, StandardCharsets.UTF_8);
      pos += length;
      return s;
    }
  }
}
