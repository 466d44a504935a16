package io.cslake.transform.clv;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded draws from the CLV models, written for the tests (Marsaglia–Tsang gamma sampler). */
final class Simulation {
  private final SplittableRandom random;

  Simulation(long seed) {
    random = new SplittableRandom(seed);
  }

  /** Gamma(shape, rate). */
  double gamma(double shape, double rate) {
    if (shape < 1) {
      return gamma(shape + 1, rate) * Math.pow(random.nextDouble(), 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double z = random.nextGaussian();
      double v = 1 + c * z;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = random.nextDouble();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
        return d * v / rate;
      }
    }
  }

  double beta(double a, double b) {
    double x = gamma(a, 1);
    return x / (x + gamma(b, 1));
  }

  double uniform(double low, double high) {
    return low + (high - low) * random.nextDouble();
  }

  int integer(int low, int highInclusive) {
    return random.nextInt(low, highInclusive + 1);
  }

  /**
   * One BG/NBD customer observed for T time units after the first purchase: Poisson purchases at
   * rate λ ~ Gamma(r, α) while alive; after each repeat purchase, dropout with p ~ Beta(a, b).
   */
  BgNbd.Statistics bgNbdCustomer(BgNbd.Params params, double t) {
    double lambda = gamma(params.r(), params.alpha());
    double p = beta(params.a(), params.b());
    double now = 0;
    double last = 0;
    int x = 0;
    while (true) {
      now += -Math.log(1 - random.nextDouble()) / lambda;
      if (now > t) {
        break;
      }
      x++;
      last = now;
      if (random.nextDouble() < p) {
        break;
      }
    }
    return BgNbd.Statistics.of(x, last, t);
  }

  /** Customers with T uniform in [minT, maxT]. */
  List<BgNbd.Statistics> bgNbd(BgNbd.Params params, int customers, double minT, double maxT) {
    List<BgNbd.Statistics> all = new ArrayList<>();
    for (int i = 0; i < customers; i++) {
      all.add(bgNbdCustomer(params, uniform(minT, maxT)));
    }
    return all;
  }

  /** Mean of x transaction values Gamma(p, ν), ν ~ Gamma(q, γ). */
  double meanSpend(GammaGamma.Params params, int x) {
    double nu = gamma(params.q(), params.gamma());
    double total = 0;
    for (int i = 0; i < x; i++) {
      total += gamma(params.p(), nu);
    }
    return total / x;
  }

  /** One sBG cohort of {@code size} observed for {@code periods} periods: alive at 0..periods. */
  long[] sbgCohort(ShiftedBetaGeometric.Params params, int size, int periods) {
    long[] alive = new long[periods + 1];
    for (int i = 0; i < size; i++) {
      double theta = beta(params.alpha(), params.beta());
      alive[0]++;
      for (int t = 1; t <= periods; t++) {
        if (random.nextDouble() < theta) {
          break;
        }
        alive[t]++;
      }
    }
    return alive;
  }
}
