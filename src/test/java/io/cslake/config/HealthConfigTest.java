package io.cslake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig.HealthSettings;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing and validation of {@code cslake.health} (SPEC §6.4); no Spark needed. */
class HealthConfigTest {

  private static HealthSettings load(String... sets) {
    return ConfigLoader.load(List.of(), Arrays.asList(sets), null).health();
  }

  private static String usageError(String... sets) {
    CslakeException e = catchThrowableOfType(CslakeException.class, () -> load(sets));
    assertThat(e).as("a configuration error").isNotNull();
    assertThat(e.exitCode()).isEqualTo(CslakeException.USAGE);
    return e.getMessage();
  }

  @Test
  void defaultsHaveSixComponentsInOrderAndTheDocumentedBands() {
    HealthSettings health = load();

    assertThat(health.components().keySet())
        .containsExactly(
            "usage", "adoption", "satisfaction", "support", "relationship", "financial");
    assertThat(health.components().values().stream().mapToDouble(c -> c.weight()).sum())
        .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(health.components().values()).allSatisfy(c -> assertThat(c.formula()).isNotBlank());
    assertThat(health.green()).isEqualTo(70.0);
    assertThat(health.yellow()).isEqualTo(40.0);
  }

  @Test
  void setOverridesAWeightAFormulaAndTheBands() {
    HealthSettings health =
        load(
            "cslake.health.components.usage.weight=3",
            "cslake.health.components.usage.formula=100 * active_usage_rate",
            "cslake.health.bands.green=80",
            "cslake.health.bands.yellow=50");

    assertThat(health.components().get("usage"))
        .isEqualTo(new HealthSettings.Component(3, "100 * active_usage_rate"));
    assertThat(health.green()).isEqualTo(80.0);
    assertThat(health.yellow()).isEqualTo(50.0);
  }

  @Test
  void aNegativeWeightIsRefused() {
    assertThat(usageError("cslake.health.components.support.weight=-1"))
        .contains("cslake.health.components.support.weight")
        .contains("at least 0");
  }

  @Test
  void weightsThatAreAllZeroAreRefused() {
    String[] zeros =
        HealthSettings.COMPONENTS.stream()
            .map(c -> "cslake.health.components." + c + ".weight=0")
            .toArray(String[]::new);
    assertThat(usageError(zeros)).contains("cslake.health.components").contains("all 0");
  }

  @Test
  void yellowMustBeBelowGreen() {
    assertThat(usageError("cslake.health.bands.yellow=70"))
        .contains("cslake.health.bands.yellow")
        .contains("below green");
    assertThat(usageError("cslake.health.bands.green=120")).contains("cslake.health.bands.green");
  }

  @Test
  void anUnknownComponentOrAnEmptyFormulaIsRefused() {
    assertThat(usageError("cslake.health.components.usability.weight=1"))
        .contains("cslake.health.components.usability")
        .contains("no such key");
    assertThat(usageError("cslake.health.components.adoption.formula=\"  \""))
        .contains("cslake.health.components.adoption.formula")
        .contains("non-empty");
  }
}
