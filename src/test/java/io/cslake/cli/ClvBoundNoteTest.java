package io.cslake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.transform.clv.ClvTables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A fit whose parameters ran to the optimiser's bounds says so, and names them. */
class ClvBoundNoteTest {

  private static ClvTables.ModelFit fit(String model, Object... nameValue) {
    Map<String, Double> params = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      params.put((String) nameValue[i], (Double) nameValue[i + 1]);
    }
    return new ClvTables.ModelFit(model, "ALL", params, -100, 30);
  }

  @Test
  void parametersWithinADecadeOfABoundAreNamed() {
    // The small company of DistributedRunIT: p ran to 974,258 on the ridge p γ = const.
    ClvTables.ModelFit ridge = fit("gamma_gamma", "p", 974_258.0, "q", 1.455, "gamma", 1.4e-4);
    assertThat(ridge.nearBound()).containsExactly("p");
    assertThat(ClvCommand.boundNote(ridge))
        .isEqualTo(
            "; p is at the fit's bound (1e-6 .. 1e6): the data identify only the model's limit"
                + " there, not that value");
    // An sBG segment without churn: alpha towards 0, beta towards infinity.
    ClvTables.ModelFit noChurn = fit("sbg", "alpha", 4.327e-6, "beta", 7.031e5);
    assertThat(noChurn.nearBound()).containsExactly("alpha", "beta");
    assertThat(ClvCommand.boundNote(noChurn)).startsWith("; alpha, beta are at the fit's bound");
  }

  @Test
  void anIdentifiedFitHasNoNote() {
    // The demo's fits (docs/metrics.md), and values one step inside the decade on either side.
    ClvTables.ModelFit demo = fit("gamma_gamma", "p", 2.85, "q", 1.91, "gamma", 74.1);
    assertThat(demo.nearBound()).isEmpty();
    assertThat(ClvCommand.boundNote(demo)).isEmpty();
    assertThat(fit("sbg", "alpha", 1.01e-5, "beta", 0.99e5).nearBound()).isEmpty();
    assertThat(fit("sbg", "alpha", 0.99e-5, "beta", 1.01e5).nearBound())
        .containsExactly("alpha", "beta");
  }
}
