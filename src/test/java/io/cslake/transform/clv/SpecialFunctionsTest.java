package io.cslake.transform.clv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.special.Gamma;
import org.junit.jupiter.api.Test;

class SpecialFunctionsTest {
  @Test
  void logGammaMatchesCommonsMath() {
    for (double x : new double[] {1e-6, 0.01, 0.243, 0.5, 1, 1.5, 2, 3.7, 10, 123.4, 1e5}) {
      double expected = Gamma.logGamma(x);
      assertThat(SpecialFunctions.logGamma(x))
          .as("lnΓ(%s)", x)
          .isCloseTo(expected, within(1e-12 * Math.max(1, Math.abs(expected))));
    }
  }

  @Test
  void hypergeometricMatchesClosedForms() {
    for (double z : new double[] {0, 0.1, 0.5, 0.9, 0.99, 0.999}) {
      // 2F1(1, 1; 2; z) = −ln(1 − z) / z
      double log = z == 0 ? 1 : -Math.log1p(-z) / z;
      assertThat(SpecialFunctions.hypergeometric2F1(1, 1, 2, z))
          .as("z=%s", z)
          .isCloseTo(log, within(1e-12 * log));
      // 2F1(a, b; b; z) = (1 − z)^−a
      double power = Math.pow(1 - z, -0.37);
      assertThat(SpecialFunctions.hypergeometric2F1(0.37, 2.5, 2.5, z))
          .isCloseTo(power, within(1e-12 * power));
      // 2F1(1/2, 1/2; 3/2; z²) = arcsin(z) / z
      double arcsin = z == 0 ? 1 : Math.asin(z) / z;
      assertThat(SpecialFunctions.hypergeometric2F1(0.5, 0.5, 1.5, z * z))
          .isCloseTo(arcsin, within(1e-12 * arcsin));
    }
  }

  @Test
  void hypergeometricRefusesPointsOutsideTheDisc() {
    assertThatThrownBy(() -> SpecialFunctions.hypergeometric2F1(1, 1, 2, 1))
        .hasMessageStartingWith("Cannot evaluate 2F1 at z = 1.0");
    assertThatThrownBy(() -> SpecialFunctions.hypergeometric2F1(1, 1, -2, 0.5))
        .hasMessageStartingWith("Cannot evaluate 2F1 with c = -2.0");
  }

  @Test
  void logSumExpNeitherOverflowsNorUnderflows() {
    assertThat(SpecialFunctions.logSumExp(1000, 1000)).isCloseTo(1000 + Math.log(2), within(1e-12));
    assertThat(SpecialFunctions.logSumExp(-1000, Double.NEGATIVE_INFINITY)).isEqualTo(-1000);
    assertThat(SpecialFunctions.logSumExp(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY))
        .isEqualTo(Double.NEGATIVE_INFINITY);
  }
}
