package dev.tandem.beam;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Plain, unsynchronized byte-array writing and reading for {@link TaggedRow}'s row encoding. */
final class RowBytes {
  private RowBytes() {}

  static final class Writer {
    private byte[] buf = new byte[128];
    private int size;

    int size() {
      return size;
    }

    byte[] bytes() {
      return buf;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, size);
    }

    void write(Writer other) {
      ensure(other.size);
      System.arraycopy(other.buf, 0, buf, size, other.size);
      size += other.size;
    }

    /** The bytes, after their length as a varint. */
    void writeSized(byte[] bytes) {
      writeVarLong(bytes.length);
      ensure(bytes.length);
      System.arraycopy(bytes, 0, buf, size, bytes.length);
      size += bytes.length;
    }

    /** Empties the writer, keeping its buffer. */
    void reset() {
      size = 0;
    }

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    void writeByte(int b) {
      ensure(1);
      buf[size++] = (byte) b;
    }

    /** Unsigned LEB128: 7 bits a byte, low bits first. */
    void writeVarLong(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[size++] = (byte) v;
    }

    void writeInt(int v) {
      ensure(4);
      for (int shift = 24; shift >= 0; shift -= 8) {
        buf[size++] = (byte) (v >>> shift);
      }
    }

    void writeLong(long v) {
      ensure(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[size++] = (byte) (v >>> shift);
      }
    }

    void writeString(String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      writeVarLong(utf8.length);
      ensure(utf8.length);
      System.arraycopy(utf8, 0, buf, size, utf8.length);
      size += utf8.length;
    }
  }

  static final class Reader {
    private final byte[] buf;
    private int pos;

    Reader(byte[] buf) {
      this.buf = buf;
    }

    boolean hasMore() {
      return pos < buf.length;
    }

    /** Bytes written by {@link Writer#writeSized}. */
    byte[] readSized() {
      int length = (int) readVarLong();
      byte[] bytes = Arrays.copyOfRange(buf, pos, pos + length);
      pos += length;
      return bytes;
    }

    int readByte() {
      return buf[pos++] & 0xFF;
    }

    long readVarLong() {
      long v = 0;
      for (int shift = 0; ; shift += 7) {
        byte b = buf[pos++];
        v |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
    }

    int readInt() {
      int v = 0;
      for (int i = 0; i < 4; i++) {
        v = (v << 8) | (buf[pos++] & 0xFF);
      }
      return v;
    }

    long readLong() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (buf[pos++] & 0xFF);
      }
      return v;
    }

    String readString() {
      int length = (int) readVarLong();
      String s = new String(buf, pos, length, StandardCharsets.UTF_8);
      pos += length;
      return s;
    }
  }
}
