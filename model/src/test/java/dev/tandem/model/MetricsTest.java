package dev.tandem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void aucCountsPairsInOrder() {
    // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 0.35 beats 0.1 only, 0.8 beats both: 3 of 4 pairs.
    assertEquals(0.75, Metrics.auc(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, new int[] {0, 0, 1, 1}));
  }

  @Test
  void aucCountsTiesAsHalf() {
    // Positives 0.5 and 0.9, negatives 0.5 and 0.2: pairs (0.5, 0.5) = 1/2, (0.5, 0.2) = 1, (0.9, *) = 2: 3.5 of 4.
    assertEquals(0.875, Metrics.auc(new float[] {0.5f, 0.5f, 0.2f, 0.9f}, new int[] {1, 0, 0, 1}));
    // All equal: every pair is a tie.
    assertEquals(0.5, Metrics.auc(new float[] {0.3f, 0.3f, 0.3f}, new int[] {1, 0, 0}));
  }

  @Test
  void aucOfReversedScoresIsOneMinusAuc() {
    SplittableRandom random = new SplittableRandom(1);
    float[] scores = new float[500];
    float[] negated = new float[500];
    int[] labels = new int[500];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = (float) Math.floor(random.nextDouble() * 20) / 20; // many ties
      negated[i] = -scores[i];
      labels[i] = random.nextInt(3) == 0 ? 1 : 0;
    }
    assertEquals(1.0, Metrics.auc(scores, labels) + Metrics.auc(negated, labels), 1e-12);
  }

  @Test
  void aucWithoutBothClassesIsNaN() {
    assertTrue(Double.isNaN(Metrics.auc(new float[] {0.1f, 0.9f}, new int[] {0, 0})));
    assertTrue(Double.isNaN(Metrics.auc(new float[] {0.1f, 0.9f}, new int[] {1, 1})));
  }

  @Test
  void logLossByHandWithClipping() {
    // -(ln 0.75 + ln(1 - 0.5)) / 2 = (0.2876821 + 0.6931472) / 2
    assertEquals(0.4904146265, Metrics.logLoss(new float[] {0.75f, 0.5f}, new int[] {1, 0}), 1e-10);
    // A certain mistake costs -ln(1e-7), not infinity.
    assertEquals(-Math.log(1e-7), Metrics.logLoss(new float[] {0f}, new int[] {1}), 1e-9);
    assertEquals(-Math.log(1e-7), Metrics.logLoss(new float[] {1f}, new int[] {0}), 1e-6);
  }

  @Test
  void bootstrapIsSeededAndBracketsTheAuc() {
    SplittableRandom random = new SplittableRandom(2);
    float[] scores = new float[300];
    int[] labels = new int[300];
    for (int i = 0; i < scores.length; i++) {
      labels[i] = random.nextInt(4) == 0 ? 1 : 0;
      scores[i] = (float) (random.nextDouble() + 0.5 * labels[i]);
    }
    double auc = Metrics.auc(scores, labels);
    Metrics.Interval interval = Metrics.bootstrapAuc(scores, labels, 500, 11);
    assertEquals(interval, Metrics.bootstrapAuc(scores, labels, 500, 11));
    assertEquals(500, interval.resamples());
    assertTrue(interval.low() < auc && auc < interval.high(), interval + " around " + auc);
    assertTrue(interval.high() - interval.low() < 0.2, interval.toString());
  }

  @Test
  void bootstrapSkipsResamplesWithOneClass() {
    // One positive among 5 rows: a resample misses it with probability (4/5)^5 = 0.33.
    Metrics.Interval interval = Metrics.bootstrapAuc(new float[] {0.9f, 0.1f, 0.2f, 0.3f, 0.4f}, new int[] {1, 0, 0, 0, 0},
        1000, 3);
    assertTrue(interval.resamples() > 550 && interval.resamples() < 780, interval.toString());
    assertEquals(1.0, interval.low());
  }

  @Test
  void rejectsMismatchedInput() {
    assertThrows(IllegalArgumentException.class, () -> Metrics.auc(new float[] {0.1f}, new int[] {0, 1}));
    assertThrows(IllegalArgumentException.class, () -> Metrics.auc(new float[] {0.1f}, new int[] {2}));
    assertThrows(IllegalArgumentException.class, () -> Metrics.auc(new float[] {Float.NaN, 0.1f}, new int[] {1, 0}));
  }
}
