package io.cslake.transform.clv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * sBG on the driver. Independent references: the churn probabilities by the paper's recursion
 * (Fader and Hardie 2007, eq. 7), sums of the survival series, and the paper's own data and
 * estimates.
 */
class ShiftedBetaGeometricTest {
  @Test
  void logLikelihoodEqualsTheRecursion() {
    ShiftedBetaGeometric.Params params = new ShiftedBetaGeometric.Params(0.7, 1.2);
    long[] cohort = {1000, 631, 468, 382, 326, 289, 262, 241};
    long[] shortCohort = {500, 300, 250};
    // P(T=1) = α/(α+β); P(T=t) = (β+t−2)/(α+β+t−1) · P(T=t−1); S(t) = S(t−1) − P(T=t).
    double expected = 0;
    for (long[] alive : List.of(cohort, shortCohort)) {
      double churn = 0;
      double survival = 1;
      for (int t = 1; t < alive.length; t++) {
        churn = t == 1 ? 0.7 / 1.9 : churn * (1.2 + t - 2) / (0.7 + 1.2 + t - 1);
        survival -= churn;
        expected += (alive[t - 1] - alive[t]) * Math.log(churn);
        assertThat(ShiftedBetaGeometric.logChurnProbability(params, t))
            .isCloseTo(Math.log(churn), within(1e-12));
        assertThat(ShiftedBetaGeometric.survival(params, t)).isCloseTo(survival, within(1e-12));
      }
      expected += alive[alive.length - 1] * Math.log(survival);
    }
    assertThat(ShiftedBetaGeometric.logLikelihood(params, List.of(cohort, shortCohort)))
        .isCloseTo(expected, within(1e-8));
  }

  @Test
  void fitsThePublishedExample() {
    // Fader and Hardie (2007), Table 1 (alive of 1,000 after years 0..7) and their estimates:
    // regular α = 0.704, β = 1.182, LL = −1680.3; high end α = 0.668, β = 3.806, LL = −1611.2.
    ShiftedBetaGeometric.Fit regular =
        ShiftedBetaGeometric.fit(
            List.<long[]>of(new long[] {1000, 631, 468, 382, 326, 289, 262, 241}));
    ShiftedBetaGeometric.Fit highEnd =
        ShiftedBetaGeometric.fit(
            List.<long[]>of(new long[] {1000, 869, 743, 653, 593, 551, 517, 491}));
    System.out.printf("sBG regular %s high end %s%n", regular, highEnd);
    assertThat(regular.params().alpha()).isCloseTo(0.704, within(0.002));
    assertThat(regular.params().beta()).isCloseTo(1.182, within(0.002));
    assertThat(highEnd.params().alpha()).isCloseTo(0.668, within(0.002));
    assertThat(highEnd.params().beta()).isCloseTo(3.806, within(0.002));
    assertThat(regular.logLikelihood()).isCloseTo(-1680.3, within(0.05));
    assertThat(highEnd.logLikelihood()).isCloseTo(-1611.2, within(0.05));
  }

  @Test
  void lifetimeAndProjectionsAgreeWithTheSurvivalSeries() {
    ShiftedBetaGeometric.Params params = new ShiftedBetaGeometric.Params(3.5, 6);
    double sum = 0;
    double discounted = 0;
    for (int t = 0; t < 20_000; t++) {
      double s = ShiftedBetaGeometric.survival(params, t);
      sum += s;
      discounted += s / Math.pow(1.1, t);
    }
    // E[T] = (α+β−1)/(α−1) = 8.5 / 2.5 = 3.4
    assertThat(ShiftedBetaGeometric.expectedLifetime(params)).isCloseTo(3.4, within(1e-12));
    assertThat(sum).isCloseTo(3.4, within(1e-6));
    assertThat(ShiftedBetaGeometric.discountedExpectedLifetime(params, 0.1))
        .isCloseTo(discounted, within(1e-10));
    double[] curve = ShiftedBetaGeometric.projectedSurvival(params, 12);
    for (int t = 0; t <= 12; t++) {
      assertThat(curve[t]).isCloseTo(ShiftedBetaGeometric.survival(params, t), within(1e-12));
    }
    assertThat(ShiftedBetaGeometric.expectedLifetime(new ShiftedBetaGeometric.Params(0.9, 2)))
        .isInfinite();
  }

  @Test
  void recoversSimulatedParameters() {
    // Tolerance: within 3 standard errors and 15 % of the truth; 12 monthly cohorts of 2,000
    // customers, the oldest observed 12 periods and the newest 1 (right-censored).
    List<ShiftedBetaGeometric.Params> truths =
        List.of(
            new ShiftedBetaGeometric.Params(0.704, 1.182),
            new ShiftedBetaGeometric.Params(0.668, 3.806),
            new ShiftedBetaGeometric.Params(3, 20));
    long seed = 300;
    for (ShiftedBetaGeometric.Params truth : truths) {
      Simulation simulation = new Simulation(seed++);
      List<long[]> cohorts = new ArrayList<>();
      for (int periods = 1; periods <= 12; periods++) {
        cohorts.add(simulation.sbgCohort(truth, 2000, periods));
      }
      ShiftedBetaGeometric.Fit fit = ShiftedBetaGeometric.fit(cohorts);
      System.out.printf("sBG truth %s fit %s se %s%n", truth, fit.params(), fit.standardErrors());
      double[] estimate = {fit.params().alpha(), fit.params().beta()};
      double[] actual = {truth.alpha(), truth.beta()};
      for (int i = 0; i < 2; i++) {
        double error = fit.standardErrors().get(i);
        assertThat(Math.abs(estimate[i] - actual[i]))
            .as("parameter %d: %s vs %s (se %s)", i, estimate[i], actual[i], error)
            .isLessThanOrEqualTo(3 * error)
            .isLessThanOrEqualTo(0.15 * actual[i]);
      }
      assertThat(fit.customers()).isEqualTo(24_000);
    }
  }
}
