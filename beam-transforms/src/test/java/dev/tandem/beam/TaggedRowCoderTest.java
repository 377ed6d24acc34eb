package dev.tandem.beam;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.tandem.spec.def.Type;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;


/** Rows survive the shuffle encoding exactly: every type, NULLs, extremes, odd strings. */
class TaggedRowCoderTest {
  private static final List<Type> TYPES =
      List.of(Type.STRING, Type.INT, Type.BIGINT, Type.FLOAT, Type.DOUBLE, Type.BOOL, Type.TIMESTAMP, Type.STRING, Type.INT);

  @Test
  void roundTripsEveryTypeAndNull() throws Exception {
    TaggedRow.Coder coder = new TaggedRow.Coder(List.of(List.of(Type.BIGINT), TYPES));
    List<Object[]> rows = List.of(
        new Object[] {"k:{\"é\n", Integer.MIN_VALUE, Long.MIN_VALUE, -0.0f, Double.NaN, true, Instant.ofEpochMilli(-1), "", -1},
        new Object[] {null, Integer.MAX_VALUE, Long.MAX_VALUE, Float.MIN_VALUE, -0.0, false, Instant.ofEpochMilli(1_459_000_000_123L), null, 0},
        new Object[] {null, null, null, null, null, null, null, null, null},
        new Object[] {"x".repeat(300), 127, 128L, Float.NaN, 1e300, null, Instant.EPOCH, "日本", 300});
    for (Object[] values : rows) {
      byte[] bytes = CoderUtils.encodeToByteArray(coder, new TaggedRow(1, values));
      // The shuffle's own path builds the same bytes in one array and reads them in place.
      assertThat(Arrays.equals(coder.toBytes(new TaggedRow(1, values)), bytes), is(true));
      assertThat(Arrays.equals(coder.toBytes(coder.fromBytes(bytes)), bytes), is(true));
      TaggedRow decoded = CoderUtils.decodeFromByteArray(coder, bytes);
      assertThat(decoded.tag(), is(1));
      for (int i = 0; i < values.length; i++) {
        Object want = values[i];
        Object got = decoded.values()[i];
        boolean same = want instanceof Float f ? Float.floatToRawIntBits(f) == Float.floatToRawIntBits((Float) got)
            : want instanceof Double d ? Double.doubleToRawLongBits(d) == Double.doubleToRawLongBits((Double) got)
            : java.util.Objects.equals(want, got);
        assertThat(Arrays.toString(values) + " column " + i + ": " + got, same, is(true));
      }
    }
  }
}
