package dev.tandem.testdata;

import java.util.SplittableRandom;

/**
 * Random draws for the generator. Every entity (user, sku, pair...) gets its own random stream,
 * derived from the seed and the entity's number alone, so data is the same for a seed whatever
 * the scale or the order of generation, and nothing about past entities needs to be kept.
 */
final class Draw {
  private Draw() {}

  /** The random stream of entity {@code index} of kind {@code kind} (a small constant per kind). */
  static SplittableRandom stream(long seed, int kind, long index) {
    return new SplittableRandom(mix(mix(seed) ^ (kind * 0x9E3779B97F4A7C15L)) ^ mix(index + 0x632BE59BD9B4E019L));
  }

  /** A 64-bit mixer (SplitMix64's finalizer). */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** An index drawn with the given weights. */
  static int weighted(SplittableRandom r, double[] cumulative) {
    double u = r.nextDouble() * cumulative[cumulative.length - 1];
    int i = 0;
    while (cumulative[i] < u) {
      i++;
    }
    return i;
  }

  static double[] cumulative(double... weights) {
    double[] c = new double[weights.length];
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i];
      c[i] = sum;
    }
    return c;
  }

  /**
   * A rank in [0, n) from a Zipf-Mandelbrot law, P(r) proportional to (r + 1 + q)^-s (s != 1),
   * by inverting the continuous approximation of its CDF: O(1), no table. The offset q flattens
   * the head (the JD sample's most popular keys are less extreme than a pure Zipf law).
   */
  static long zipf(SplittableRandom r, long n, double s, double q) {
    double a = 1 - s;
    double lo = Math.pow(q + 1, a);
    double hi = Math.pow(n + q + 1, a);
    double x = Math.pow(lo + r.nextDouble() * (hi - lo), 1 / a);
    return Math.max(0, Math.min(n - 1, (long) (x - q - 1)));
  }

  /** Log-normal with the given median and log-space sigma. */
  static double logNormal(SplittableRandom r, double median, double sigma) {
    return median * Math.exp(sigma * gaussian(r));
  }

  static double gaussian(SplittableRandom r) {
    double u1 = 1 - r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Poisson by inversion (small means). */
  static int poisson(SplittableRandom r, double mean) {
    double l = Math.exp(-mean);
    int k = 0;
    double p = r.nextDouble();
    while (p > l) {
      k++;
      p *= r.nextDouble();
    }
    return k;
  }

  /** A permutation of [0, m) for m a power of ten: a stable, collision-free id that hides rank order. */
  static long scramble(long index, long m) {
    return Math.floorMod(index * 7_919L + 104_729L, m);
  }
}
