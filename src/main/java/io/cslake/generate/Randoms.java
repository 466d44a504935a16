package io.cslake.generate;

import java.util.SplittableRandom;

/**
 * Seeding and the few distributions the simulation draws from. Every random stream is seeded from a
 * hash of (seed, account index, purpose, ...) so that what an account does never depends on which
 * task simulates it.
 */
final class Randoms {
  /** Purposes: one independent stream each. */
  static final long ACCOUNT = 0x1001;

  static final long USER = 0x1002;
  static final long USAGE_DAY = 0x1003;
  static final long FX = 0x1004;

  private Randoms() {}

  /** SplitMix64's finalizer: a strong 64-bit mix. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  static long hash(long seed, long... parts) {
    long h = mix(seed ^ 0x9e3779b97f4a7c15L);
    for (long p : parts) {
      h = mix(h ^ mix(p + 0x632be59bd9b4e019L));
    }
    return h;
  }

  static SplittableRandom stream(long seed, long... parts) {
    return new SplittableRandom(hash(seed, parts));
  }

  static double gaussian(SplittableRandom r) {
    double u1 = 1.0 - r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  static double logNormal(SplittableRandom r, double mu, double sigma) {
    return Math.exp(mu + sigma * gaussian(r));
  }

  static double exponential(SplittableRandom r, double mean) {
    return -mean * Math.log(1.0 - r.nextDouble());
  }

  static int poisson(SplittableRandom r, double lambda) {
    if (lambda <= 0) {
      return 0;
    }
    if (lambda > 30) {
      return (int) Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(r)));
    }
    double l = Math.exp(-lambda);
    int k = 0;
    double p = 1.0;
    do {
      k++;
      p *= r.nextDouble();
    } while (p > l);
    return k - 1;
  }

  /** Gamma(shape, scale) by Marsaglia and Tsang. */
  static double gamma(SplittableRandom r, double shape, double scale) {
    if (shape < 1) {
      return gamma(r, shape + 1, scale) * Math.pow(r.nextDouble(), 1.0 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1.0 / Math.sqrt(9 * d);
    while (true) {
      double x = gaussian(r);
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = r.nextDouble();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        return d * v * scale;
      }
    }
  }

  static double beta(SplittableRandom r, double a, double b) {
    double x = gamma(r, a, 1);
    double y = gamma(r, b, 1);
    return x / (x + y);
  }

  /** An index drawn with the given cumulative weights (last element = total). */
  static int pick(SplittableRandom r, double[] cumulative) {
    double x = r.nextDouble() * cumulative[cumulative.length - 1];
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] > x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  static double[] cumulative(double... weights) {
    double[] c = new double[weights.length];
    double s = 0;
    for (int i = 0; i < weights.length; i++) {
      s += weights[i];
      c[i] = s;
    }
    return c;
  }

  static <T> T pick(SplittableRandom r, T[] values) {
    return values[r.nextInt(values.length)];
  }
}
