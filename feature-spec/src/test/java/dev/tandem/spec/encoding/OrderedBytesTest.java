package dev.tandem.spec.encoding;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.tandem.spec.def.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sort keys order as their values do, byte by byte unsigned, for every type, long keys included. */
class OrderedBytesTest {
  private static byte[] key(Type type, Object v) {
    return new OrderedBytes().value(type, v).bytes();
  }

  /** Sorting by the keys' bytes gives the values' own order (NULL first). */
  private static void assertOrderKept(Type type, List<Object> values, Comparator<Object> order) {
    List<Object> byValue = new ArrayList<>(values);
    byValue.sort(Comparator.nullsFirst(order));
    List<Object> byBytes = new ArrayList<>(values);
    byBytes.sort((a, b) -> Arrays.compareUnsigned(key(type, a), key(type, b)));
    for (int i = 0; i < values.size(); i++) {
      Object expected = byValue.get(i);
      Object got = byBytes.get(i);
      assertThat("position " + i, expected == null ? got == null : got != null && order.compare(expected, got) == 0, is(true));
    }
  }

  @Test
  void stringsSortByCodePointWithPrefixesFirstAndZerosEscaped() {
    SplittableRandom random = new SplittableRandom(7);
    List<Object> values = new ArrayList<>(List.of("", "a", "a\0", "a\0b", "ab", "\0", "\uFFFF", "\uD83D\uDE00", "é"));
    values.add(null);
    for (int i = 0; i < 5_000; i++) {
      StringBuilder s = new StringBuilder();
      int length = random.nextInt(i % 50 == 0 ? 200 : 6); // some longer than the first buffer
      for (int c = 0; c < length; c++) {
        s.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(3) : random.nextInt(i % 3 == 0 ? 0x10FFFF : 128));
      }
      if (s.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF)) {
        values.add(s.toString());
      }
    }
    assertOrderKept(Type.STRING, values, Comparator.comparing(o -> (String) o, OrderedBytesTest::byCodePoint));
  }

  private static int byCodePoint(String a, String b) {
    return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
  }

  @Test
  void numbersAndTimesSortNumerically() {
    SplittableRandom random = new SplittableRandom(11);
    List<Object> longs = new ArrayList<>(List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L, 1L));
    List<Object> doubles = new ArrayList<>(List.of(-0.0, 0.0, Double.MIN_VALUE, -Double.MAX_VALUE, Double.NEGATIVE_INFINITY,
        Double.POSITIVE_INFINITY));
    List<Object> times = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      longs.add(random.nextLong() >> random.nextInt(64));
      doubles.add((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-20, 20)));
      times.add(Instant.ofEpochMilli(random.nextLong(-1L << 45, 1L << 45)));
    }
    longs.add(null);
    doubles.add(null);
    times.add(null);
    assertOrderKept(Type.BIGINT, longs, Comparator.comparing(o -> (Long) o));
    assertOrderKept(Type.DOUBLE, doubles, Comparator.comparing(o -> (Double) o, (a, b) -> a.doubleValue() == b.doubleValue() ? 0 : Double.compare(a, b)));
    assertOrderKept(Type.TIMESTAMP, times, Comparator.comparing(o -> (Instant) o));
    assertThat(Arrays.equals(key(Type.DOUBLE, -0.0), key(Type.DOUBLE, 0.0)), is(true));
  }

  @Test
  void aKeyOfSeveralValuesSortsByEachInTurn() {
    byte[] ab1 = new OrderedBytes().value(Type.STRING, "a").value(Type.BIGINT, 1L).small(2).bytes();
    byte[] ab2 = new OrderedBytes().value(Type.STRING, "a").value(Type.BIGINT, 2L).small(0).bytes();
    byte[] b0 = new OrderedBytes().value(Type.STRING, "b").value(Type.BIGINT, -5L).small(0).bytes();
    byte[] aNull = new OrderedBytes().value(Type.STRING, "a").value(Type.BIGINT, null).small(9).bytes();
    List<byte[]> keys = new ArrayList<>(List.of(b0, ab2, ab1, aNull));
    keys.sort(Arrays::compareUnsigned);
    assertThat(keys, equalTo(List.of(aNull, ab1, ab2, b0)));
    assertThat(ab1.length, is(1 + 1 + 2 + 1 + 8 + 1));
  }
}
