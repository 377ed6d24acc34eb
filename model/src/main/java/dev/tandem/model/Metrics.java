package dev.tandem.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Evaluation metrics of binary scores: ROC AUC, log loss, and a bootstrap interval of the AUC. */
public final class Metrics {
  /** Scores are clipped to [EPSILON, 1 - EPSILON] in the log loss, so one confident error is finite. */
  public static final double LOG_LOSS_EPSILON = 1e-7;

  private Metrics() {}

  /**
   * A bootstrap interval. {@code resamples} counts the resamples that had both classes (the
   * others have no AUC and are left out); the bounds are NaN when none had.
   */
  public record Interval(@JsonProperty("low") double low, @JsonProperty("high") double high,
      @JsonProperty("resamples") int resamples) {}

  /**
   * The ROC AUC: the probability that a random positive scores above a random negative, ties
   * counting one half (the Mann-Whitney rank statistic with tied ranks averaged). NaN when
   * {@code labels} lack positives or negatives.
   */
  public static double auc(float[] scores, int[] labels) {
    long[] order = order(scores, labels);
    int[] weights = new int[scores.length];
    Arrays.fill(weights, 1);
    return weightedAuc(order, scores, labels, weights);
  }

  /** Mean binary cross-entropy, natural log, scores clipped by {@link #LOG_LOSS_EPSILON}. NaN when empty. */
  public static double logLoss(float[] scores, int[] labels) {
    check(scores, labels);
    double sum = 0;
    for (int i = 0; i < scores.length; i++) {
      double p = Math.min(Math.max(scores[i], LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
      sum -= labels[i] == 1 ? Math.log(p) : Math.log(1 - p);
    }
    return scores.length == 0 ? Double.NaN : sum / scores.length;
  }

  /**
   * The percentile 95% interval of the AUC over {@code resamples} bootstrap resamples (rows drawn
   * with replacement), reproducible with {@code seed}. Each resample costs one pass over the rows:
   * the scores are sorted once and a resample is a count per row.
   */
  public static Interval bootstrapAuc(float[] scores, int[] labels, int resamples, long seed) {
    long[] order = order(scores, labels);
    SplittableRandom random = new SplittableRandom(seed);
    int n = scores.length;
    int[] counts = new int[n];
    double[] aucs = new double[resamples];
    int valid = 0;
    for (int r = 0; r < resamples; r++) {
      Arrays.fill(counts, 0);
      for (int i = 0; i < n; i++) {
        counts[random.nextInt(n)]++;
      }
      double auc = weightedAuc(order, scores, labels, counts);
      if (!Double.isNaN(auc)) {
        aucs[valid++] = auc;
      }
    }
    if (valid == 0) {
      return new Interval(Double.NaN, Double.NaN, 0);
    }
    Arrays.sort(aucs, 0, valid);
    return new Interval(percentile(aucs, valid, 0.025), percentile(aucs, valid, 0.975), valid);
  }

  /** Linear interpolation between the closest ranks of the first {@code n} sorted values. */
  private static double percentile(double[] sorted, int n, double q) {
    double position = q * (n - 1);
    int below = (int) Math.floor(position);
    int above = Math.min(below + 1, n - 1);
    return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
  }

  /** Row indices sorted by ascending score, packed as (sortable score bits << 32 | index). */
  private static long[] order(float[] scores, int[] labels) {
    check(scores, labels);
    long[] order = new long[scores.length];
    for (int i = 0; i < scores.length; i++) {
      if (Float.isNaN(scores[i])) {
        throw new IllegalArgumentException("score " + i + " is NaN");
      }
      int bits = Float.floatToIntBits(scores[i] + 0.0f); // + 0.0f turns -0.0 into 0.0
      // Flip the magnitude bits of negatives so that signed int order is float order.
      int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
      order[i] = ((long) sortable << 32) | i;
    }
    Arrays.sort(order);
    return order;
  }

  /**
   * AUC with each row counted {@code weights[i]} times: walk the rows by ascending score, one
   * group of equal scores at a time; a positive beats every negative below its group and half of
   * those in it.
   */
  private static double weightedAuc(long[] order, float[] scores, int[] labels, int[] weights) {
    double negativesBelow = 0;
    double positives = 0;
    double wins = 0;
    int i = 0;
    while (i < order.length) {
      float score = scores[(int) order[i]];
      double groupPositives = 0;
      double groupNegatives = 0;
      for (; i < order.length && scores[(int) order[i]] == score; i++) {
        int row = (int) order[i];
        if (labels[row] == 1) {
          groupPositives += weights[row];
        } else {
          groupNegatives += weights[row];
        }
      }
      wins += groupPositives * (negativesBelow + 0.5 * groupNegatives);
      negativesBelow += groupNegatives;
      positives += groupPositives;
    }
    return positives == 0 || negativesBelow == 0 ? Double.NaN : wins / (positives * negativesBelow);
  }

  private static void check(float[] scores, int[] labels) {
    if (scores.length != labels.length) {
      throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] != 0 && labels[i] != 1) {
        throw new IllegalArgumentException("label " + i + " is " + labels[i] + ", expected 0 or 1");
      }
    }
  }
}
