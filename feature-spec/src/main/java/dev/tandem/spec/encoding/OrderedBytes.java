package dev.tandem.spec.encoding;

import dev.tandem.spec.def.Type;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Byte strings whose unsigned lexicographic order is the order of the values written into
 * them, so a runner can sort rows by bytes alone (an external sort) and still get the core's
 * order. NULL sorts first; strings in UTF-8 byte order (= code-point order); numbers
 * numerically, -0.0 equal to 0.0.
 */
public final class OrderedBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

  public OrderedBytes value(Type type, Object v) {
    if (v == null) {
      out.write(0);
      return this;
    }
    out.write(1);
    switch (type) {
      case STRING -> string((String) v);
      case INT, BIGINT -> signed(((Number) v).longValue());
      case FLOAT, DOUBLE -> {
        double d = ((Number) v).doubleValue();
        long bits = Double.doubleToLongBits(d == 0.0 ? 0.0 : d);
        unsigned(bits < 0 ? ~bits : bits ^ Long.MIN_VALUE);
      }
      case TIMESTAMP -> signed(((Instant) v).toEpochMilli());
      case BOOL -> out.write((Boolean) v ? 1 : 0);
      case NULL -> throw new IllegalArgumentException("NULL is not a value type");
    }
    return this;
  }

  public OrderedBytes signed(long v) {
    return unsigned(v ^ Long.MIN_VALUE);
  }

  OrderedBytes unsigned(long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
    return this;
  }

  public OrderedBytes small(int v) {
    out.write(v);
    return this;
  }

  /** UTF-8 with 0x00 escaped as 0x00 0xFF and a 0x00 0x00 terminator, so a prefix sorts first. */
  private void string(String s) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      out.write(b);
      if (b == 0) {
        out.write(0xFF);
      }
    }
    out.write(0);
    out.write(0);
  }

  public byte[] bytes() {
    return out.toByteArray();
  }
}
