package dev.tandem.beam;

import dev.tandem.spec.Type;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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

  /** A null bitmap, then each non-NULL value by its type. */
  static void encodeValues(List<Type> types, Object[] values, OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    for (int start = 0; start < values.length; start += 8) {
      int bits = 0;
      for (int i = start; i < Math.min(start + 8, values.length); i++) {
        if (values[i] == null) {
          bits |= 1 << (i - start);
        }
      }
      data.writeByte(bits);
    }
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      if (v == null) {
        continue;
      }
      switch (types.get(i)) {
        case STRING -> {
          byte[] bytes = ((String) v).getBytes(StandardCharsets.UTF_8);
          VarInt.encode(bytes.length, data);
          data.write(bytes);
        }
        case INT -> VarInt.encode((Integer) v, data);
        case BIGINT -> VarInt.encode((Long) v, data);
        case FLOAT -> data.writeFloat((Float) v);
        case DOUBLE -> data.writeDouble((Double) v);
        case BOOL -> data.writeBoolean((Boolean) v);
        case TIMESTAMP -> VarInt.encode(((Instant) v).toEpochMilli(), data);
        default -> throw new IllegalArgumentException("cannot encode " + types.get(i));
      }
    }
    data.flush();
  }

  static Object[] decodeValues(List<Type> types, InputStream in) throws IOException {
    Object[] values = new Object[types.size()];
    DataInputStream data = new DataInputStream(in);
    boolean[] isNull = new boolean[values.length];
    for (int start = 0; start < values.length; start += 8) {
      int bits = data.readUnsignedByte();
      for (int i = start; i < Math.min(start + 8, values.length); i++) {
        isNull[i] = (bits & (1 << (i - start))) != 0;
      }
    }
    for (int i = 0; i < values.length; i++) {
      if (isNull[i]) {
        continue;
      }
      values[i] = switch (types.get(i)) {
        case STRING -> {
          byte[] bytes = new byte[VarInt.decodeInt(data)];
          data.readFully(bytes);
          yield new String(bytes, StandardCharsets.UTF_8);
        }
        case INT -> VarInt.decodeInt(data);
        case BIGINT -> VarInt.decodeLong(data);
        case FLOAT -> data.readFloat();
        case DOUBLE -> data.readDouble();
        case BOOL -> data.readBoolean();
        case TIMESTAMP -> Instant.ofEpochMilli(VarInt.decodeLong(data));
        default -> throw new IllegalArgumentException("cannot decode " + types.get(i));
      };
    }
    return values;
  }
}
