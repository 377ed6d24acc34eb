package dev.tandem.beam;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExternalSorterTest {
  @Test
  void sortsMoreThanItsBudgetBySpillingRunsAndMergingThem() throws Exception {
    Random random = new Random(1);
    List<byte[]> keys = new ArrayList<>();
    try (ExternalSorter sorter = new ExternalSorter(4096)) {
      for (int i = 0; i < 20_000; i++) {
        byte[] key = new byte[1 + random.nextInt(6)];
        random.nextBytes(key);
        keys.add(key);
        sorter.add(key, ByteBuffer.allocate(4).putInt(i).array());
      }
      assertThat(sorter.spills(), greaterThan(10));
      keys.sort(Arrays::compareUnsigned);
      Iterator<ExternalSorter.Pair> it = sorter.sorted();
      for (byte[] expected : keys) {
        assertThat(Arrays.equals(it.next().key(), expected), is(true));
      }
      assertThat(it.hasNext(), is(false));
    }
  }

  @Test
  void sortsInMemoryWhenEverythingFits() throws Exception {
    try (ExternalSorter sorter = new ExternalSorter(1 << 20)) {
      sorter.add(new byte[] {(byte) 0xF0}, new byte[] {1});
      sorter.add(new byte[] {0x01}, new byte[] {2});
      Iterator<ExternalSorter.Pair> it = sorter.sorted();
      assertThat(it.next().value()[0], is((byte) 2)); // unsigned: 0x01 before 0xF0
      assertThat(it.next().value()[0], is((byte) 1));
      assertThat(sorter.spills(), is(0));
    }
  }
}
