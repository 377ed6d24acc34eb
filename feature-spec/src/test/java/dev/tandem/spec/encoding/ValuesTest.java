package dev.tandem.spec.encoding;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The six-decimal text of floats and doubles is exactly what {@code String.format("%.6f")} writes. */
class ValuesTest {
  @Test
  void sixDecimalsIsTheFormattersTextForEdgeCases() {
    double[] edges = {0.0, -0.0, 1.1, -1.1, 0.5e-6, -0.5e-6, 0.4999999e-6, 1.0000005, 2.0000005, 0.0000015, 0.0000025,
        123456.1234565, 1e-7, -1e-7, 1e15, 1e20, 1.7976931348623157e308, Double.MIN_VALUE, -Double.MIN_VALUE,
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 9.9999995, 0.9999995, 999999.9999995,
        (double) 0.1f, (double) 1.1f, (double) 3.4028235e38f, (double) 1.4e-45f};
    for (double d : edges) {
      assertThat("value " + d, Values.sixDecimals(d), equalTo(String.format(Locale.ROOT, "%.6f", d)));
    }
  }

  @Test
  void sixDecimalsIsTheFormattersTextForRandomValues() {
    SplittableRandom random = new SplittableRandom(42);
    List<String> differing = new ArrayList<>();
    for (int i = 0; i < 300_000; i++) {
      double d = switch (i % 5) {
        case 0 -> Double.longBitsToDouble(random.nextLong()); // any bits
        case 1 -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-9, 13)); // every magnitude
        case 2 -> Math.round(random.nextDouble() * 1e9) / 1e9 + 5e-7; // near a rounding tie
        case 3 -> (double) Float.intBitsToFloat(random.nextInt()); // floats widened
        default -> random.nextInt(-1_000_000, 1_000_000) / 8.0 / Math.pow(10, random.nextInt(0, 7)); // short decimals
      };
      String expected = String.format(Locale.ROOT, "%.6f", d);
      if (!Values.sixDecimals(d).equals(expected) && differing.size() < 5) {
        differing.add(d + ": " + Values.sixDecimals(d) + " vs " + expected);
      }
    }
    assertThat(differing, equalTo(List.of()));
  }
}
