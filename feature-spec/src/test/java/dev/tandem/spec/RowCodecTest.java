package dev.tandem.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.RowCodec;
import dev.tandem.spec.eval.IngestedRow;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;


class RowCodecTest {
  private static final TableDef TABLE = new TableDef("t", TableDef.Role.EVENT, null, "ts", List.of(
      new TableDef.ColumnDef("s", Type.STRING), new TableDef.ColumnDef("i", Type.INT), new TableDef.ColumnDef("b", Type.BIGINT),
      new TableDef.ColumnDef("f", Type.FLOAT), new TableDef.ColumnDef("d", Type.DOUBLE), new TableDef.ColumnDef("ts", Type.TIMESTAMP),
      new TableDef.ColumnDef("ok", Type.BOOL), new TableDef.ColumnDef("s2", Type.STRING), new TableDef.ColumnDef("s3", Type.STRING)));

  @Test
  void everyTypeNullsSequencesAndEventIdsRoundTrip() {
    List<IngestedRow> rows = List.of(
        new IngestedRow(new Object[] {"a:{b}\n😀", -7, Long.MIN_VALUE, -0.0f, Double.NaN, Instant.ofEpochMilli(-1), true, "", null}, 0, -1),
        new IngestedRow(new Object[] {null, null, null, null, null, null, null, null, null}, Long.MAX_VALUE, 42),
        new IngestedRow(new Object[] {"x", Integer.MAX_VALUE, 3L, 1.1f, -2.5, Instant.parse("2016-04-01T00:00:00.123Z"), false, "y", "z"}, (1L << 40) + 5, 7));
    RowCodec codec = new RowCodec(TABLE);
    List<IngestedRow> back = codec.decode(codec.encode(rows));
    assertThat(back.size(), is(3));
    for (int i = 0; i < rows.size(); i++) {
      assertThat(Arrays.asList(back.get(i).values()), equalTo(Arrays.asList(rows.get(i).values())));
      assertThat(back.get(i).sequence(), is(rows.get(i).sequence()));
      assertThat(back.get(i).eventId(), is(rows.get(i).eventId()));
    }
    assertThat(Float.floatToRawIntBits((Float) back.get(0).values()[3]), is(Float.floatToRawIntBits(-0.0f)));
  }

  @Test
  void anotherVersionAnotherTableShapeOrATruncatedBlobIsRefusedNotMisread() {
    RowCodec codec = new RowCodec(TABLE);
    byte[] blob = codec.encode(List.of(new IngestedRow(new Object[] {"x", 1, 2L, 1f, 2d, Instant.EPOCH, true, "a", "b"}, 1)));

    byte[] otherVersion = blob.clone();
    otherVersion[0] = (byte) (RowCodec.VERSION + 1);
    assertThat(assertThrows(IllegalArgumentException.class, () -> codec.decode(otherVersion)).getMessage(),
        containsString("row layout version " + (RowCodec.VERSION + 1)));

    List<TableDef.ColumnDef> renamed = new java.util.ArrayList<>(TABLE.columns());
    renamed.set(1, new TableDef.ColumnDef("j", Type.INT));
    RowCodec other = new RowCodec(new TableDef("t", TableDef.Role.EVENT, null, "ts", renamed));
    assertThat(assertThrows(IllegalArgumentException.class, () -> other.decode(blob)).getMessage(), containsString("schema hash differs"));

    byte[] truncated = Arrays.copyOf(blob, blob.length - 3);
    assertThat(assertThrows(IllegalArgumentException.class, () -> codec.decode(truncated)).getMessage(), containsString("truncated"));
  }

  @Test
  void aValueOfTheWrongTypeNamesItsColumn() {
    RowCodec codec = new RowCodec(TABLE);
    Object[] values = {"x", 1L, 2L, 1f, 2d, Instant.EPOCH, true, "a", "b"};
    assertThat(assertThrows(IllegalArgumentException.class, () -> codec.encode(List.of(new IngestedRow(values, 0)))).getMessage(),
        containsString("column 'i' (int)"));
  }
}
