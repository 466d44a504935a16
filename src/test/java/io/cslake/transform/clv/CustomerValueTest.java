package io.cslake.transform.clv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * CLV per customer against month-by-month expectations from the numerical-integration reference.
 */
class CustomerValueTest {
  static final GammaGamma.Params SPEND = GammaGammaTest.CDNOW;

  @Test
  void discountsEachMonthsExpectedPurchases() {
    CustomerValue.Settings settings = new CustomerValue.Settings(12, 0.01, 0.6, BgNbd.WEEK);
    double month = CustomerValue.DAYS_PER_MONTH / BgNbd.WEEK;
    int x = 2;
    double tx = 30.43;
    double t = 38.86;
    double expected = 0;
    double previous = 0;
    for (int k = 1; k <= 12; k++) {
      double cumulative = BgNbdTest.integratedConditional(BgNbdTest.CDNOW, x, tx, t, k * month);
      expected += (cumulative - previous) / Math.pow(1.01, k);
      previous = cumulative;
    }
    assertThat(CustomerValue.discountedPurchases(BgNbdTest.CDNOW, settings, x, tx, t))
        .isCloseTo(expected, within(1e-5));
    double spend = GammaGamma.expectedSpend(SPEND, x, 25);
    assertThat(CustomerValue.clv(BgNbdTest.CDNOW, SPEND, settings, x, tx, t, 25))
        .isCloseTo(0.6 * spend * expected, within(1e-4));
  }

  @Test
  void withoutDiscountTheValueIsMarginTimesSpendTimesPurchasesOverTheHorizon() {
    CustomerValue.Settings settings = new CustomerValue.Settings(24, 0, 1, 1);
    double horizon = 24 * CustomerValue.DAYS_PER_MONTH;
    assertThat(settings.horizonUnits()).isCloseTo(730.5, within(1e-9));
    BgNbd.Params daily = new BgNbd.Params(0.243, 4.414 * 7, 0.793, 2.426);
    assertThat(CustomerValue.clv(daily, SPEND, settings, 0, 0, 100, Double.NaN))
        .isCloseTo(
            GammaGamma.expectedSpend(SPEND, 0, 0)
                * BgNbd.expectedPurchases(daily, 0, 0, 100, horizon),
            within(1e-9));
  }

  @Test
  void settingsRefuseImpossibleValues() {
    assertThatThrownBy(() -> new CustomerValue.Settings(0, 0.01, 0.5, 7))
        .hasMessageStartingWith("Cannot value customers over 0 months");
    assertThatThrownBy(() -> new CustomerValue.Settings(12, -0.01, 0.5, 7))
        .hasMessageStartingWith("Cannot discount at -0.01 per month");
    assertThatThrownBy(() -> new CustomerValue.Settings(12, 0.01, 1.5, 7))
        .hasMessageStartingWith("Cannot use a gross margin of 1.5");
  }
}
