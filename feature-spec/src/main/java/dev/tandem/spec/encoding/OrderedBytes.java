package dev.tandem.spec.encoding;

import dev.tandem.spec.def.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Byte strings whose unsigned lexicographic order is the order of the values written into
 * them, so a runner can sort rows by bytes alone (an external sort) and still get the core's
 * order. NULL sorts first; strings in UTF-8 byte order (= code-point order); numbers
 * numerically, -0.0 equal to 0.0.
 *
 * <p>Written into a plain growing array (one sort key per row of every shuffle: a synchronized
 * stream's per-byte calls were the largest single cost of building them).
 */
public final class OrderedBytes {
  private byte[] buffer = new byte[64];
  private int size;

  public OrderedBytes value(Type type, Object v) {
    if (v == null) {
      write(0);
      return this;
    }
    write(1);
    switch (type) {
      case STRING -> string((String) v);
      case INT, BIGINT -> signed(((Number) v).longValue());
      case FLOAT, DOUBLE -> {
        double d = ((Number) v).doubleValue();
        long bits = Double.doubleToLongBits(d == 0.0 ? 0.0 : d);
        unsigned(bits < 0 ? ~bits : bits ^ Long.MIN_VALUE);
      }
      case TIMESTAMP -> signed(((Instant) v).toEpochMilli());
      case BOOL -> write((Boolean) v ? 1 : 0);
      case NULL -> throw new IllegalArgumentException("NULL is not a value type");
    }
    return this;
  }

  public OrderedBytes signed(long v) {
    return unsigned(v ^ Long.MIN_VALUE);
  }

  OrderedBytes unsigned(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buffer[size++] = (byte) (v >>> shift);
    }
    return this;
  }

  public OrderedBytes small(int v) {
    write(v);
    return this;
  }

  /** UTF-8 with 0x00 escaped as 0x00 0xFF and a 0x00 0x00 terminator, so a prefix sorts first. */
  private void string(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    ensure(2 * utf8.length + 2);
    for (byte b : utf8) {
      buffer[size++] = b;
      if (b == 0) {
        buffer[size++] = (byte) 0xFF;
      }
    }
    buffer[size++] = 0;
    buffer[size++] = 0;
  }

  public byte[] bytes() {
    return Arrays.copyOf(buffer, size);
  }

  private void write(int b) {
    ensure(1);
    buffer[size++] = (byte) b;
  }

  private void ensure(int more) {
    if (size + more > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(2 * buffer.length, size + more));
    }
  }
}
