package io.cslake.transform.clv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Gamma;
import org.junit.jupiter.api.Test;

/**
 * BG/NBD on the driver. Independent references: the per-customer likelihood written out in linear
 * space with commons-math3's Γ and B; expectations by numerical integration over the dropout
 * probability p (the integral over λ is closed-form), which does not use the hypergeometric
 * function; the CDNOW example of Fader, Hardie and Lee (2005).
 */
class BgNbdTest {
  /** The CDNOW estimates of FHL 2005, weeks. */
  static final BgNbd.Params CDNOW = new BgNbd.Params(0.243, 4.414, 0.793, 2.426);

  @Test
  void logLikelihoodEqualsDirectPerCustomerComputation() {
    Simulation simulation = new Simulation(11);
    List<BgNbd.Statistics> customers = simulation.bgNbd(CDNOW, 60, 10, 40);
    customers.add(BgNbd.Statistics.of(0, 0, 25));
    customers.add(BgNbd.Statistics.of(0, 0, 25));
    customers.add(BgNbd.Statistics.of(3, 12.5, 25));
    double direct = 0;
    Map<List<Double>, Long> counts = new HashMap<>();
    for (BgNbd.Statistics c : customers) {
      direct += Math.log(directLikelihood(CDNOW, c.x(), c.tx(), c.t()));
      assertThat(BgNbd.logLikelihood(CDNOW, c.x(), c.tx(), c.t()))
          .isCloseTo(Math.log(directLikelihood(CDNOW, c.x(), c.tx(), c.t())), within(1e-10));
      counts.merge(List.of((double) c.x(), c.tx(), c.t()), 1L, Long::sum);
    }
    List<BgNbd.Statistics> compressed = new ArrayList<>();
    counts.forEach(
        (k, n) -> compressed.add(new BgNbd.Statistics(k.get(0).intValue(), k.get(1), k.get(2), n)));
    assertThat(compressed.size()).isLessThan(customers.size());
    assertThat(BgNbd.logLikelihood(CDNOW, compressed)).isCloseTo(direct, within(1e-8));
    assertThat(BgNbd.logLikelihood(CDNOW, customers)).isCloseTo(direct, within(1e-8));
  }

  /** FHL 2005 eq. 6 in linear space, nothing shared with the implementation. */
  static double directLikelihood(BgNbd.Params p, int x, double tx, double t) {
    double a = Gamma.gamma(p.r() + x) * Math.pow(p.alpha(), p.r()) / Gamma.gamma(p.r());
    double beta = Math.exp(Beta.logBeta(p.a(), p.b()));
    double first =
        Math.exp(Beta.logBeta(p.a(), p.b() + x)) / beta / Math.pow(p.alpha() + t, p.r() + x);
    double second =
        x == 0
            ? 0
            : Math.exp(Beta.logBeta(p.a() + 1, p.b() + x - 1))
                / beta
                / Math.pow(p.alpha() + tx, p.r() + x);
    return a * (first + second);
  }

  @Test
  void conditionalExpectationMatchesThePublishedCdnowExample() {
    // FHL 2005: a customer with x = 2, t_x = 30.43, T = 38.86 weeks is expected to make 1.226
    // purchases in the next 39 weeks.
    assertThat(BgNbd.expectedPurchases(CDNOW, 2, 30.43, 38.86, 39)).isCloseTo(1.226, within(5e-4));
  }

  /**
   * Tolerance 1e-5 (relative above 1): the midpoint quadrature of the reference is good to about
   * 1e-6 where (1−p)^{b−1} is singular at p = 1 (b = 1.2).
   */
  @Test
  void expectationsMatchNumericalIntegration() {
    double[][] customers = {{0, 0, 38.86}, {2, 30.43, 38.86}, {5, 10, 40}, {10, 35, 36}, {1, 1, 2}};
    for (BgNbd.Params params :
        List.of(CDNOW, new BgNbd.Params(1.3, 8, 2.5, 4), new BgNbd.Params(0.6, 2, 0.4, 1.2))) {
      for (double[] c : customers) {
        int x = (int) c[0];
        for (double horizon : new double[] {4, 39, 104}) {
          double expected = integratedConditional(params, x, c[1], c[2], horizon);
          assertThat(BgNbd.expectedPurchases(params, x, c[1], c[2], horizon))
              .as("E[Y(%s) | %s] under %s", horizon, List.of(c[0], c[1], c[2]), params)
              .isCloseTo(expected, within(1e-5 * Math.max(1, expected)));
        }
        assertThat(BgNbd.probabilityAlive(params, x, c[1], c[2]))
            .as("P(alive | %s) under %s", List.of(c[0], c[1], c[2]), params)
            .isCloseTo(integratedAlive(params, x, c[1], c[2]), within(1e-5));
      }
      for (double t : new double[] {1, 39, 78}) {
        double expected = integratedUnconditional(params, t);
        assertThat(BgNbd.expectedPurchases(params, t))
            .as("E[X(%s)] under %s", t, params)
            .isCloseTo(expected, within(1e-5 * Math.max(1, expected)));
      }
    }
  }

  /**
   * ∫ over p of the posterior: alive with (1−p)^x λ^x e^{−λT}, then (1/p)(1 − e^{−λpt}) more
   * purchases; λ integrated in closed form, everything scaled by (α+T)^{r+x}.
   */
  static double integratedConditional(BgNbd.Params q, int x, double tx, double t, double h) {
    double rx = q.r() + x;
    return integrateOverP(
            q,
            p ->
                Math.pow(1 - p, x)
                    / p
                    * (1 - Math.pow((q.alpha() + t) / (q.alpha() + t + p * h), rx)))
        / integrateOverP(q, p -> likelihoodOverP(q, x, tx, t, p));
  }

  static double integratedAlive(BgNbd.Params q, int x, double tx, double t) {
    return integrateOverP(q, p -> Math.pow(1 - p, x))
        / integrateOverP(q, p -> likelihoodOverP(q, x, tx, t, p));
  }

  static double likelihoodOverP(BgNbd.Params q, int x, double tx, double t, double p) {
    double alive = Math.pow(1 - p, x);
    double dropped =
        x == 0
            ? 0
            : p * Math.pow(1 - p, x - 1) * Math.pow((q.alpha() + t) / (q.alpha() + tx), q.r() + x);
    return alive + dropped;
  }

  /** E[X(t)] = ∫ (1/p)(1 − (α/(α+pt))^r) Beta(p; a, b) dp. */
  static double integratedUnconditional(BgNbd.Params q, double t) {
    return integrateOverP(q, p -> (1 - Math.pow(q.alpha() / (q.alpha() + p * t), q.r())) / p)
        / integrateOverP(q, p -> 1);
  }

  /**
   * ∫₀¹ f(p) p^{a−1} (1−p)^{b−1} dp by the midpoint rule on 400,000 points; for a < 1 with p =
   * u^{1/a}, which removes the p^{a−1} singularity (the test parameters have b ≥ 1).
   */
  static double integrateOverP(BgNbd.Params q, java.util.function.DoubleUnaryOperator f) {
    int n = 400_000;
    double sum = 0;
    boolean substitute = q.a() < 1;
    for (int i = 0; i < n; i++) {
      double u = (i + 0.5) / n;
      double p = substitute ? Math.pow(u, 1 / q.a()) : u;
      double weight = substitute ? 1 / q.a() : Math.pow(p, q.a() - 1);
      sum += f.applyAsDouble(p) * weight * Math.pow(1 - p, q.b() - 1);
    }
    return sum / n;
  }

  @Test
  void recoversSimulatedParameters() {
    // Tolerance: every parameter within 3 standard errors (observed information) of the truth and
    // within 15 % of it for r and α, 35 % for a and b (weakly identified: few customers are seen
    // to drop out); 20,000 customers observed 26 to 52 weeks each.
    List<BgNbd.Params> truths =
        List.of(CDNOW, new BgNbd.Params(1.3, 8, 2.5, 4), new BgNbd.Params(0.6, 2, 0.4, 1.2));
    long seed = 100;
    for (BgNbd.Params truth : truths) {
      List<BgNbd.Statistics> data = new Simulation(seed++).bgNbd(truth, 20_000, 26, 52);
      BgNbd.Fit fit = BgNbd.fit(data);
      double[] estimate = values(fit.params());
      double[] actual = values(truth);
      double[] relative = {0.15, 0.15, 0.35, 0.35};
      System.out.printf(
          "BG/NBD truth %s fit %s se %s LL %.2f%n",
          truth, fit.params(), fit.standardErrors(), fit.logLikelihood());
      for (int i = 0; i < 4; i++) {
        double error = fit.standardErrors().get(i);
        assertThat(error).as("standard error %d of %s", i, truth).isPositive();
        assertThat(Math.abs(estimate[i] - actual[i]))
            .as("parameter %d: %s vs %s (se %s)", i, estimate[i], actual[i], error)
            .isLessThanOrEqualTo(3 * error)
            .isLessThanOrEqualTo(relative[i] * actual[i]);
      }
      assertThat(fit.logLikelihood()).isGreaterThanOrEqualTo(BgNbd.logLikelihood(truth, data));
      assertThat(fit.customers()).isEqualTo(20_000);
    }
  }

  static double[] values(BgNbd.Params p) {
    return new double[] {p.r(), p.alpha(), p.a(), p.b()};
  }

  @Test
  void heavyBuyersDoNotOverflow() {
    // Without Euler's transformation ₂F₁(r+x, b+x; …; ½) ≈ 2^x overflows at x ≈ 1000.
    BgNbd.Params params = new BgNbd.Params(1.3, 8, 2.5, 4);
    double expected = integratedConditional(params, 1500, 51, 52, 52);
    assertThat(BgNbd.expectedPurchases(params, 1500, 51, 52, 52))
        .isCloseTo(expected, within(1e-5 * expected));
  }

  @Test
  void customersWithoutRepeatPurchasesAreAlive() {
    assertThat(BgNbd.probabilityAlive(CDNOW, 0, 0, 30)).isEqualTo(1.0);
    assertThat(BgNbd.expectedPurchases(CDNOW, 3, 5, 30, 0)).isZero();
  }
}
