package dev.tandem.beam;

import dev.tandem.spec.def.Type;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/** A row of core values with a tag saying what it is (which source, which partial result). */
record TaggedRow(int tag, Object[] values) {

  /**
   * Encodes tagged rows compactly: the tag, then the values as {@link #encodeValues}.
   * {@code types.get(tag)} is the row type of each tag.
   */
  static final class Coder extends CustomCoder<TaggedRow> {
    private static final long serialVersionUID = 1L;
    private final List<List<Type>> types;

    Coder(List<List<Type>> types) {
      this.types = types.stream().map(List::copyOf).toList();
    }

    @Override
    public void encode(TaggedRow row, OutputStream out) throws IOException {
      VarInt.encode(row.tag(), out);
      encodeValues(types.get(row.tag()), row.values(), out);
    }

    @Override
    public TaggedRow decode(InputStream in) throws IOException {
      int tag = VarInt.decodeInt(in);
      return new TaggedRow(tag, decodeValues(types.get(tag), in));
    }

    /**
     * The bytes {@link #encode} writes, built in one array: rows are encoded once per shuffle
     * each, and a coder's streams would copy them twice more.
     */
    byte[] toBytes(TaggedRow row) {
      RowBytes.Writer body = body(types.get(row.tag()), row.values());
      RowBytes.Writer out = new RowBytes.Writer();
      out.writeVarLong(row.tag());
      out.writeVarLong(body.size());
      out.write(body);
      return out.toByteArray();
    }

    /** The row of {@link #toBytes}'s bytes, read in place. */
    TaggedRow fromBytes(byte[] bytes) {
      RowBytes.Reader r = new RowBytes.Reader(bytes);
      int tag = (int) r.readVarLong();
      r.readVarLong(); // the body's length: the rest of the array
      return new TaggedRow(tag, readValues(types.get(tag), r));
    }

    @Override
    public void verifyDeterministic() {
      // Same values, same bytes: the encoding has no maps and no floating state.
    }
  }

  /** Encodes rows of one type without a tag. */
  static final class ValuesCoder extends CustomCoder<Object[]> {
    private static final long serialVersionUID = 1L;
    private final List<Type> types;

    ValuesCoder(List<Type> types) {
      this.types = List.copyOf(types);
    }

    @Override
    public void encode(Object[] values, OutputStream out) throws IOException {
      encodeValues(types, values, out);
    }

    @Override
    public Object[] decode(InputStream in) throws IOException {
      return decodeValues(types, in);
    }

    @Override
    public void verifyDeterministic() {
      // Same values, same bytes.
    }
  }

  /**
   * The length of what follows, then a null bitmap, then each non-NULL value by its type. The
   * row is built in a byte array and read back from one: runners hand coders streams (Java
   * serialization's among them) whose byte-at-a-time calls cost more than the values.
   */
  static void encodeValues(List<Type> types, Object[] values, OutputStream out) throws IOException {
    RowBytes.Writer w = body(types, values);
    VarInt.encode(w.size(), out);
    out.write(w.bytes(), 0, w.size());
  }

  /** A null bitmap, then each non-NULL value by its type. */
  private static RowBytes.Writer body(List<Type> types, Object[] values) {
    RowBytes.Writer w = new RowBytes.Writer();
    for (int start = 0; start < values.length; start += 8) {
      int bits = 0;
      for (int i = start; i < Math.min(start + 8, values.length); i++) {
        if (values[i] == null) {
          bits |= 1 << (i - start);
        }
      }
      w.writeByte(bits);
    }
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      if (v == null) {
        continue;
      }
      switch (types.get(i)) {
        case STRING -> w.writeString((String) v);
        case INT -> w.writeVarLong((Integer) v & 0xFFFFFFFFL);
        case BIGINT -> w.writeVarLong((Long) v);
        case FLOAT -> w.writeInt(Float.floatToRawIntBits((Float) v));
        case DOUBLE -> w.writeLong(Double.doubleToRawLongBits((Double) v));
        case BOOL -> w.writeByte((Boolean) v ? 1 : 0);
        case TIMESTAMP -> w.writeVarLong(((Instant) v).toEpochMilli());
        default -> throw new IllegalArgumentException("cannot encode " + types.get(i));
      }
    }
    return w;
  }

  static Object[] decodeValues(List<Type> types, InputStream in) throws IOException {
    int length = VarInt.decodeInt(in);
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new EOFException("row of " + length + " bytes cut after " + bytes.length);
    }
    return readValues(types, new RowBytes.Reader(bytes));
  }

  /** A body written by {@link #body}. */
  private static Object[] readValues(List<Type> types, RowBytes.Reader r) {
    Object[] values = new Object[types.size()];
    boolean[] isNull = new boolean[values.length];
    for (int start = 0; start < values.length; start += 8) {
      int bits = r.readByte();
      for (int i = start; i < Math.min(start + 8, values.length); i++) {
        isNull[i] = (bits & (1 << (i - start))) != 0;
      }
    }
    for (int i = 0; i < values.length; i++) {
      if (isNull[i]) {
        continue;
      }
      values[i] = switch (types.get(i)) {
        case STRING -> r.readString();
        case INT -> (int) r.readVarLong();
        case BIGINT -> r.readVarLong();
        case FLOAT -> Float.intBitsToFloat(r.readInt());
        case DOUBLE -> Double.longBitsToDouble(r.readLong());
        case BOOL -> r.readByte() != 0;
        case TIMESTAMP -> Instant.ofEpochMilli(r.readVarLong());
        default -> throw new IllegalArgumentException("cannot decode " + types.get(i));
      };
    }
    return values;
  }
}
