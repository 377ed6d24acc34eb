package dev.tandem.online;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.util.Objects;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The layout of one spec version's keys in Redis (immutable).
 *
 * <pre>
 * tandem:SPEC:VERSION:current                          the current generation, ASCII decimal
 * tandem:SPEC:VERSION:gN:meta                          free-form bytes about generation N
 * tandem:SPEC:VERSION:gN:seq:TABLE                     TABLE's ingestion sequence counter
 * tandem:SPEC:VERSION:gN:s:TABLE:COLUMN:KEYVALUE       state of one key value of TABLE.COLUMN
 * tandem:SPEC:VERSION:gN:pop:{dDAY}                    sorted set: item -> request rows on DAY
 * tandem:SPEC:VERSION:gN:pid:{dDAY}                    set: the event ids counted in that day's sorted set
 * tandem:SPEC:VERSION:log:TABLE                        stream: every event of TABLE accepted online
 * tandem:SPEC:VERSION:stream:GROUP                     hash: TOPIC/PARTITION -> the last offset a stream job applied
 * </pre>
 *
 * Every name and value is percent-encoded: each UTF-8 byte outside {@code [A-Za-z0-9_.-]} becomes
 * {@code %XX} (uppercase hex). A segment therefore never holds {@code :}, braces, glob characters,
 * quotes, spaces or raw non-ASCII: no value can reach into another namespace, table or column,
 * no Redis Cluster hash tag can be injected (keys spread over slots by their whole text), and a
 * generation prefix is also a safe SCAN pattern. The one hash tag is Tandem's own, a day number:
 * a day's counts and the ids counted in them share a slot, so one script updates both.
 */
public final class RedisKeys {

  /** A state key taken apart: the decoded names and key value. */
  public record StateKey(long generation, String table, String column, String keyValue) {}

  private final String namespace;

  public RedisKeys(String specName, String specVersion) {
    this.namespace = "tandem:" + encode(specName) + ":" + encode(specVersion) + ":";
  }

  /** The counter generations are allocated from (INCR): a materialization or a replay takes the next number. */
  public byte[] generationsKey() {
    return bytes(namespace + "generations");
  }

  public byte[] currentKey() {
    return bytes(namespace + "current");
  }

  /** The prefix of every key of generation {@code generation}; ends with ':' so g1 is no prefix of g10. */
  public byte[] generationPrefix(long generation) {
    return bytes(generation(generation));
  }

  public byte[] metaKey(long generation) {
    return bytes(generation(generation) + "meta");
  }

  /** The sorted set of item → request rows on one day (days since the epoch, in the spec's time zone). */
  public byte[] popularKey(long generation, long epochDay) {
    return bytes(generation(generation) + "pop:{d" + epochDay + "}");
  }

  /** The set of event ids counted in {@link #popularKey} of the same day (same slot). */
  public byte[] popularIdsKey(long generation, long epochDay) {
    return bytes(generation(generation) + "pid:{d" + epochDay + "}");
  }

  /** The prefix of every {@link #popularIdsKey} of a generation (bookkeeping: not part of the state's digest). */
  public byte[] popularIdsPrefix(long generation) {
    return bytes(generation(generation) + "pid:");
  }

  /** The offsets the stream job of consumer group {@code group} applied, per topic partition (a hash). */
  public byte[] streamOffsetsKey(String group) {
    return bytes(namespace + "stream:" + encode(group));
  }

  /** The log of the events of {@code table} accepted online, shared by every generation (a stream). */
  public byte[] logKey(String table) {
    return bytes(namespace + "log:" + encode(table));
  }

  /** The prefix of every {@link #popularKey} of a generation (sorted sets, not blobs). */
  public byte[] popularPrefix(long generation) {
    return bytes(generation(generation) + "pop:");
  }

  public byte[] sequenceKey(long generation, String table) {
    return bytes(generation(generation) + "seq:" + encode(table));
  }

  public byte[] stateKey(long generation, String table, String column, String keyValue) {
    return bytes(generation(generation) + "s:" + encode(table) + ":" + encode(column) + ":" + encode(keyValue));
  }

  /** The inverse of {@link #stateKey}; IllegalArgumentException for any other key. */
  public StateKey parseStateKey(byte[] key) {
    String text = new String(key, UTF_8);
    String start = namespace + "g";
    if (!text.startsWith(start)) {
      throw new IllegalArgumentException("not a key of " + namespace + ": " + text);
    }
    // gN:s:TABLE:COLUMN:VALUE -> N, s, TABLE, COLUMN, VALUE (encoded segments hold no ':').
    String[] parts = text.substring(start.length()).split(":", -1);
    if (parts.length != 5 || !parts[1].equals("s")) {
      throw new IllegalArgumentException("not a state key: " + text);
    }
    long generation = parseGeneration(parts[0], text);
    return new StateKey(generation, decode(parts[2]), decode(parts[3]), decode(parts[4]));
  }

  private String generation(long generation) {
    if (generation < 0) {
      throw new IllegalArgumentException("generation must be >= 0: " + generation);
    }
    return namespace + "g" + generation + ":";
  }

  // Canonical decimal only, so that parsing and rebuilding a key gives the same bytes.
  private static long parseGeneration(String digits, String key) {
    try {
      long generation = Long.parseLong(digits);
      if (generation >= 0 && Long.toString(generation).equals(digits)) {
        return generation;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("bad generation in key: " + key);
  }

  static String encode(String value) {
    Objects.requireNonNull(value, "value");
    ByteBuffer utf8;
    try {
      // Strict: a lone surrogate would otherwise become '?' and not round-trip.
      utf8 = UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(value));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not valid Unicode (lone surrogate?): " + value, e);
    }
    StringBuilder out = new StringBuilder(utf8.remaining());
    while (utf8.hasRemaining()) {
      int b = utf8.get() & 0xFF;
      if (isPlain(b)) {
        out.append((char) b);
      } else {
        out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
      }
    }
    return out.toString();
  }

  /** Strict inverse of {@link #encode}: only the encoder's own output is accepted. */
  static String decode(String encoded) {
    ByteBuffer bytes = ByteBuffer.allocate(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      boolean escape = c == '%' && i + 2 < encoded.length()
          && isUpperHex(encoded.charAt(i + 1)) && isUpperHex(encoded.charAt(i + 2));
      if (escape) {
        int b = Character.digit(encoded.charAt(i + 1), 16) << 4 | Character.digit(encoded.charAt(i + 2), 16);
        if (isPlain(b)) {
          throw new IllegalArgumentException("not canonical encoding: " + encoded);
        }
        bytes.put((byte) b);
        i += 2;
      } else if (isPlain(c)) {
        bytes.put((byte) c);
      } else {
        throw new IllegalArgumentException("bad encoded segment: " + encoded);
      }
    }
    bytes.flip();
    try {
      return UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not UTF-8 once decoded: " + encoded, e);
    }
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private static boolean isPlain(int b) {
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
        || b == '_' || b == '.' || b == '-';
  }

  private static boolean isUpperHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
  }

  private static byte[] bytes(String key) {
    return key.getBytes(UTF_8);
  }
}
