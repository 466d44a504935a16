package io.cslake.transform.clv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.special.Gamma;
import org.junit.jupiter.api.Test;

/**
 * Gamma-Gamma on the driver. Independent references: the marginal density written out in linear
 * space with commons-math3's Γ; the conditional expected spend by numerical integration over the
 * posterior of ν.
 */
class GammaGammaTest {
  /** The CDNOW estimates of Fader, Hardie and Lee (2005, "RFM and CLV"). */
  static final GammaGamma.Params CDNOW = new GammaGamma.Params(6.25, 3.74, 15.44);

  @Test
  void logLikelihoodEqualsDirectPerCustomerComputation() {
    Simulation simulation = new Simulation(3);
    double direct = 0;
    List<GammaGamma.Statistics> customers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      int x = simulation.integer(1, 6);
      double spend = simulation.meanSpend(CDNOW, x);
      customers.add(GammaGamma.Statistics.of(x, spend));
      double density = directDensity(CDNOW, x, spend);
      direct += Math.log(density);
      assertThat(GammaGamma.logLikelihood(CDNOW, x, spend))
          .isCloseTo(Math.log(density), within(1e-9));
    }
    assertThat(GammaGamma.logLikelihood(CDNOW, customers)).isCloseTo(direct, within(1e-8));
  }

  /** f(m̄ | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q x^{px} m̄^{px−1} / (γ + x m̄)^{px+q}. */
  static double directDensity(GammaGamma.Params g, int x, double m) {
    double px = g.p() * x;
    return Gamma.gamma(px + g.q())
        / (Gamma.gamma(px) * Gamma.gamma(g.q()))
        * Math.pow(g.gamma(), g.q())
        * Math.pow(x, px)
        * Math.pow(m, px - 1)
        / Math.pow(g.gamma() + x * m, px + g.q());
  }

  @Test
  void groupedLikelihoodIsWithinItsStatedBoundOfTheExactOne() {
    // Customers of the same x whose x·m̄ fall in one grid cell are one tuple at their mean x·m̄;
    // the stated bound is 5e-7 × (px + q) per customer.
    Simulation simulation = new Simulation(5);
    List<GammaGamma.Statistics> exact = new ArrayList<>();
    double sumLog = 0;
    double sumTotal = 0;
    double base = 40;
    for (int i = 0; i < 1000; i++) {
      double spend = base * Math.exp(simulation.uniform(0, 0.999e-3));
      exact.add(GammaGamma.Statistics.of(3, spend));
      sumLog += Math.log(spend);
      sumTotal += 3 * spend;
    }
    List<GammaGamma.Statistics> grouped =
        List.of(new GammaGamma.Statistics(3, 1000, sumLog, sumTotal / 1000));
    double bound = 1000 * 5e-7 * (CDNOW.p() * 3 + CDNOW.q());
    assertThat(GammaGamma.logLikelihood(CDNOW, grouped))
        .isCloseTo(GammaGamma.logLikelihood(CDNOW, exact), within(bound));
  }

  @Test
  void conditionalSpendMatchesNumericalIntegration() {
    double[][] customers = {{1, 20}, {2, 35.5}, {5, 12}, {12, 80}};
    for (GammaGamma.Params params : List.of(CDNOW, new GammaGamma.Params(2, 3, 50))) {
      for (double[] c : customers) {
        int x = (int) c[0];
        assertThat(GammaGamma.expectedSpend(params, x, c[1]))
            .as("E[M | x=%s, m=%s] under %s", x, c[1], params)
            .isCloseTo(integratedSpend(params, x, c[1]), within(1e-6 * c[1]));
      }
      // x = 0: the population mean p γ / (q − 1) = E[p / ν] under the prior.
      assertThat(GammaGamma.expectedSpend(params, 0, Double.NaN))
          .isCloseTo(integratedSpend(params, 0, 0), within(1e-6));
    }
    // The CDNOW population mean: 6.25 × 15.44 / 2.74 = 35.22.
    assertThat(GammaGamma.expectedSpend(CDNOW, 0, 0)).isCloseTo(35.22, within(0.005));
  }

  /**
   * E[p/ν | x, m̄] with ν's posterior ∝ ν^{px+q−1} e^{−(γ + x m̄) ν}, by the midpoint rule over ν
   * in (0, 60 × the posterior mean) in log space.
   */
  static double integratedSpend(GammaGamma.Params g, int x, double m) {
    double shape = g.p() * x + g.q();
    double rate = g.gamma() + x * m;
    double upper = 60 * shape / rate;
    int n = 1_000_000;
    double mode = Math.max(shape - 1, 0) / rate;
    double logPeak = (shape - 1) * Math.log(Math.max(mode, 1e-300)) - rate * mode;
    double weight = 0;
    double weighted = 0;
    for (int i = 0; i < n; i++) {
      double nu = (i + 0.5) / n * upper;
      double density = Math.exp((shape - 1) * Math.log(nu) - rate * nu - logPeak);
      weight += density;
      weighted += density * g.p() / nu;
    }
    return weighted / weight;
  }

  @Test
  void recoversSimulatedParameters() {
    // Tolerance: every parameter within 3 standard errors of the truth and within 20 % of it
    // (q and γ are strongly correlated); 10,000 repeat buyers with x uniform in 1..10.
    List<GammaGamma.Params> truths =
        List.of(CDNOW, new GammaGamma.Params(2, 3, 50), new GammaGamma.Params(10, 6, 120));
    long seed = 200;
    for (GammaGamma.Params truth : truths) {
      Simulation simulation = new Simulation(seed++);
      List<GammaGamma.Statistics> data = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        int x = simulation.integer(1, 10);
        data.add(GammaGamma.Statistics.of(x, simulation.meanSpend(truth, x)));
      }
      GammaGamma.Fit fit = GammaGamma.fit(data);
      System.out.printf(
          "Gamma-Gamma truth %s fit %s se %s LL %.2f%n",
          truth, fit.params(), fit.standardErrors(), fit.logLikelihood());
      double[] estimate = {fit.params().p(), fit.params().q(), fit.params().gamma()};
      double[] actual = {truth.p(), truth.q(), truth.gamma()};
      for (int i = 0; i < 3; i++) {
        double error = fit.standardErrors().get(i);
        assertThat(error).isPositive();
        assertThat(Math.abs(estimate[i] - actual[i]))
            .as("parameter %d: %s vs %s (se %s)", i, estimate[i], actual[i], error)
            .isLessThanOrEqualTo(3 * error)
            .isLessThanOrEqualTo(0.2 * actual[i]);
      }
      assertThat(fit.logLikelihood()).isGreaterThanOrEqualTo(GammaGamma.logLikelihood(truth, data));
    }
  }
}
