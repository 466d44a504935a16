package io.cslake.transform.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import io.cslake.CslakeException;
import io.cslake.SparkTestBase;
import io.cslake.config.ConfigLoader;
import io.cslake.config.CslakeConfig.HealthSettings;
import java.sql.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The health score on tiny hand-worked churn_features frames (SPEC §6.4). */
class HealthScoreTest extends SparkTestBase {
  private static final Date JAN = Date.valueOf("2024-01-31");
  private static final Date FEB = Date.valueOf("2024-02-29");
  private static final Date DEC = Date.valueOf("2023-12-31");

  private static final StructType SCHEMA =
      new StructType()
          .add("account_id", DataTypes.StringType)
          .add("as_of_date", DataTypes.DateType)
          .add("active_usage_rate", DataTypes.DoubleType)
          .add("feature_breadth", DataTypes.DoubleType)
          .add("nps", DataTypes.DoubleType)
          .add("open_tickets", DataTypes.LongType)
          .add("active_champions", DataTypes.LongType)
          .add("mrr_change_90d", DataTypes.DoubleType);

  /**
   * Simple formulas to work by hand: usage weighs 2, relationship 0, the others 1 (total 6 over the
   * positive weights).
   */
  private static HealthSettings settings() {
    return settings(Map.of());
  }

  private static HealthSettings settings(Map<String, String> formulas) {
    Map<String, HealthSettings.Component> c = new LinkedHashMap<>();
    c.put("usage", new HealthSettings.Component(2, "active_usage_rate * 100"));
    c.put("adoption", new HealthSettings.Component(1, "feature_breadth * 100"));
    c.put("satisfaction", new HealthSettings.Component(1, "(nps + 100) / 2"));
    c.put("support", new HealthSettings.Component(1, "100 - 10 * open_tickets"));
    c.put("relationship", new HealthSettings.Component(0, "if(active_champions > 0, 100, 0)"));
    c.put("financial", new HealthSettings.Component(1, "100 + 100 * mrr_change_90d"));
    formulas.forEach((name, f) -> c.put(name, new HealthSettings.Component(1, f)));
    return new HealthSettings(c, 70, 40);
  }

  private static Dataset<Row> frame(Object[]... rows) {
    return spark.createDataFrame(
        java.util.Arrays.stream(rows).map(RowFactory::create).toList(), SCHEMA);
  }

  private static Map<String, Row> byAccount(Dataset<Row> health) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : health.collectAsList()) {
      out.put(r.getString(0) + "@" + r.getDate(1), r);
    }
    return out;
  }

  private static Double value(Row r, String column) {
    int i = r.fieldIndex(column);
    return r.isNullAt(i) ? null : r.getDouble(i);
  }

  @Test
  void componentsAreClampedAndMissingWeightsAreRedistributed() {
    Dataset<Row> features =
        frame(
            // 80, 50, 60, 80, (100), 90 -> (2*80 + 50 + 60 + 80 + 90) / 6 = 73.33: green
            new Object[] {"a", JAN, 0.8, 0.5, 20.0, 2L, 1L, -0.1},
            // 150 -> 100, missing, missing, -20 -> 0, (0), 50 -> (2*100 + 0 + 50) / 4 = 62.5
            new Object[] {"b", JAN, 1.5, null, null, 12L, 0L, -0.5},
            // only relationship (weight 0) present: no score, no band
            new Object[] {"c", JAN, null, null, null, null, 2L, null},
            // 10, 20, 10, 50, (0), 80 -> (20 + 20 + 10 + 50 + 80) / 6 = 30: red
            new Object[] {"d", JAN, 0.1, 0.2, -80.0, 5L, null, -0.2});

    Dataset<Row> health = HealthScore.compute(features, settings());

    assertThat(health.columns())
        .containsExactly(
            "account_id",
            "as_of_date",
            "usage_score",
            "adoption_score",
            "satisfaction_score",
            "support_score",
            "relationship_score",
            "financial_score",
            "health_score",
            "health_band",
            "previous_health_score",
            "health_score_change");
    Map<String, Row> rows = byAccount(health);
    Row a = rows.get("a@" + JAN);
    assertThat(value(a, "usage_score")).isCloseTo(80.0, within(1e-9));
    assertThat(value(a, "adoption_score")).isCloseTo(50.0, within(1e-9));
    assertThat(value(a, "satisfaction_score")).isCloseTo(60.0, within(1e-9));
    assertThat(value(a, "support_score")).isCloseTo(80.0, within(1e-9));
    assertThat(value(a, "relationship_score")).isCloseTo(100.0, within(1e-9));
    assertThat(value(a, "financial_score")).isCloseTo(90.0, within(1e-9));
    assertThat(value(a, "health_score")).isCloseTo(440.0 / 6, within(1e-9));
    assertThat(a.getAs("health_band").toString()).isEqualTo("green");

    Row b = rows.get("b@" + JAN);
    assertThat(value(b, "usage_score")).isEqualTo(100.0);
    assertThat(value(b, "adoption_score")).isNull();
    assertThat(value(b, "satisfaction_score")).isNull();
    assertThat(value(b, "support_score")).isEqualTo(0.0);
    assertThat(value(b, "health_score")).isCloseTo(62.5, within(1e-9));
    assertThat(b.getAs("health_band").toString()).isEqualTo("yellow");

    Row c = rows.get("c@" + JAN);
    assertThat(value(c, "relationship_score")).isEqualTo(100.0);
    assertThat(value(c, "health_score")).isNull();
    assertThat((Object) c.getAs("health_band")).isNull();

    Row d = rows.get("d@" + JAN);
    assertThat(value(d, "health_score")).isCloseTo(30.0, within(1e-9));
    assertThat(d.getAs("health_band").toString()).isEqualTo("red");
  }

  @Test
  void bandsFollowTheConfiguredThresholdsInclusively() {
    // usage only: the score is the usage formula itself
    Map<String, HealthSettings.Component> c = new LinkedHashMap<>();
    for (String name : HealthSettings.COMPONENTS) {
      c.put(name, new HealthSettings.Component(0, "NULL"));
    }
    c.put("usage", new HealthSettings.Component(1, "active_usage_rate"));
    HealthSettings bands = new HealthSettings(c, 70, 40);
    Dataset<Row> features =
        frame(
            new Object[] {"g", JAN, 70.0, null, null, null, null, null},
            new Object[] {"y", JAN, 40.0, null, null, null, null, null},
            new Object[] {"r", JAN, 39.99, null, null, null, null, null});

    Map<String, Row> rows = byAccount(HealthScore.compute(features, bands));

    assertThat(rows.get("g@" + JAN).getAs("health_band").toString()).isEqualTo("green");
    assertThat(rows.get("y@" + JAN).getAs("health_band").toString()).isEqualTo("yellow");
    assertThat(rows.get("r@" + JAN).getAs("health_band").toString()).isEqualTo("red");
  }

  @Test
  void trendComparesWithTheAccountsPreviousSnapshotInTheInput() {
    Dataset<Row> features =
        frame(
            // a: 2023-12 -> 73.33, 2024-01 -> 50 (usage 50 only... every component 50), 2024-02 ->
            // 60 (every component 60)
            new Object[] {"a", FEB, 0.6, 0.6, 20.0, 4L, 1L, -0.4},
            new Object[] {"a", DEC, 0.8, 0.5, 20.0, 2L, 1L, -0.1},
            new Object[] {"a", JAN, 0.5, 0.5, 0.0, 5L, 1L, -0.5},
            // b: one snapshot only
            new Object[] {"b", FEB, 0.5, 0.5, 0.0, 5L, 1L, -0.5});

    Map<String, Row> rows = byAccount(HealthScore.compute(features, settings()));

    Row dec = rows.get("a@" + DEC);
    assertThat(value(dec, "previous_health_score")).isNull();
    assertThat(value(dec, "health_score_change")).isNull();
    Row jan = rows.get("a@" + JAN);
    assertThat(value(jan, "health_score")).isCloseTo(50.0, within(1e-9));
    assertThat(value(jan, "previous_health_score")).isCloseTo(440.0 / 6, within(1e-9));
    assertThat(value(jan, "health_score_change")).isCloseTo(50.0 - 440.0 / 6, within(1e-9));
    Row feb = rows.get("a@" + FEB);
    assertThat(value(feb, "health_score")).isCloseTo(60.0, within(1e-9));
    assertThat(value(feb, "previous_health_score")).isCloseTo(50.0, within(1e-9));
    assertThat(value(feb, "health_score_change")).isCloseTo(10.0, within(1e-9));
    assertThat(value(rows.get("b@" + FEB), "previous_health_score")).isNull();
  }

  @Test
  void aColumnOfAnAbsentSourceReadsAsNullSoItsComponentIsMissing() {
    // No survey or support columns at all, as when those sources are absent.
    Dataset<Row> features =
        frame(new Object[] {"a", JAN, 0.8, 0.5, 20.0, 2L, 1L, -0.1}).drop("nps", "open_tickets");

    Row a = HealthScore.compute(features, settings()).first();

    assertThat(value(a, "satisfaction_score")).isNull();
    assertThat(value(a, "support_score")).isNull();
    // (2*80 + 50 + 90) / 4
    assertThat(value(a, "health_score")).isCloseTo(75.0, within(1e-9));
  }

  @Test
  void defaultFormulasScoreEveryComponentFromTheirColumns() {
    HealthSettings defaults = ConfigLoader.load(List.of(), List.of(), null).health();
    StructType schema =
        new StructType()
            .add("account_id", DataTypes.StringType)
            .add("as_of_date", DataTypes.DateType)
            .add("mrr", DataTypes.DoubleType)
            .add("mrr_change_90d", DataTypes.DoubleType)
            .add("failed_invoices_90d", DataTypes.LongType)
            .add("mau", DataTypes.LongType)
            .add("active_usage_rate", DataTypes.DoubleType)
            .add("stickiness", DataTypes.DoubleType)
            .add("events_ratio_30_60", DataTypes.DoubleType)
            .add("feature_breadth", DataTypes.DoubleType)
            .add("nps", DataTypes.DoubleType)
            .add("csat_mean_90d", DataTypes.DoubleType)
            .add("open_tickets", DataTypes.LongType)
            .add("escalations_90d", DataTypes.LongType)
            .add("ttr_median_hours_90d", DataTypes.DoubleType)
            .add("active_champions", DataTypes.LongType)
            .add("champion_left_90d", DataTypes.IntegerType)
            .add("days_since_last_touch", DataTypes.IntegerType);
    Dataset<Row> features =
        spark.createDataFrame(
            List.of(
                RowFactory.create(
                    "a", JAN, 100.0, -0.1, 1L, 8L, 0.8, 0.25, 0.5, 0.25, 20.0, 4.0, 1L, 1L, 36.0,
                    1L, 1, 45),
                RowFactory.create(
                    "b", JAN, 100.0, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null)),
            schema);

    Map<String, Row> rows = byAccount(HealthScore.compute(features, defaults));

    Row a = rows.get("a@" + JAN);
    // usage 100 (0.5*0.8 + 0.25*0.5 + 0.25*0.5) = 65; adoption 50; satisfaction
    // 0.5*60 + 0.5*75 = 67.5; support 100 - 10 - 20 - 10 = 60; relationship
    // 100 (0.6*0.5 + 0.4*0.5) = 50; financial 100 - 25 - 10 = 65
    assertThat(value(a, "usage_score")).isCloseTo(65.0, within(1e-9));
    assertThat(value(a, "adoption_score")).isCloseTo(50.0, within(1e-9));
    assertThat(value(a, "satisfaction_score")).isCloseTo(67.5, within(1e-9));
    assertThat(value(a, "support_score")).isCloseTo(60.0, within(1e-9));
    assertThat(value(a, "relationship_score")).isCloseTo(50.0, within(1e-9));
    assertThat(value(a, "financial_score")).isCloseTo(65.0, within(1e-9));
    double expected = 0.25 * 65 + 0.15 * 50 + 0.2 * 67.5 + 0.15 * 60 + 0.15 * 50 + 0.1 * 65;
    assertThat(value(a, "health_score")).isCloseTo(expected, within(1e-9));
    Row b = rows.get("b@" + JAN);
    for (String name : List.of("usage", "adoption", "satisfaction", "support", "relationship")) {
      assertThat(value(b, name + "_score")).as(name).isNull();
    }
    assertThat(value(b, "financial_score")).isEqualTo(100.0);
    assertThat(value(b, "health_score")).isEqualTo(100.0);
  }

  private static CslakeException formulaError(String component, String formula) {
    Dataset<Row> features = frame(new Object[] {"a", JAN, 0.8, 0.5, 20.0, 2L, 1L, -0.1});
    CslakeException e =
        catchThrowableOfType(
            CslakeException.class,
            () -> HealthScore.compute(features, settings(Map.of(component, formula))));
    assertThat(e).as("a configuration error").isNotNull();
    assertThat(e.exitCode()).isEqualTo(CslakeException.USAGE);
    assertThat(e.getMessage())
        .startsWith("Cannot use the formula of health component '" + component + "'")
        .contains("cslake.health.components." + component + ".formula");
    return e;
  }

  @Test
  void aFormulaThatReachesOutsideTheDataIsRefused() {
    assertThat(formulaError("usage", "java_method('java.lang.System', 'exit', 1)").getMessage())
        .contains("java_method")
        .contains("not allowed");
  }

  @ParameterizedTest
  @MethodSource("io.cslake.HostileExpressions#all")
  void everyHostileFormulaIsRefused(String formula, String mention) {
    assertThat(formulaError("usage", formula).getMessage()).contains(mention);
  }

  @Test
  void aFormulaOverAnUnknownColumnIsAConfigurationError() {
    assertThat(formulaError("support", "100 - no_such_column").getMessage())
        .contains("no_such_column")
        .contains("Formulas read churn_features columns: account_id, as_of_date");
  }

  @Test
  void aFormulaThatAggregatesOrIsNotANumberIsAConfigurationError() {
    assertThat(formulaError("adoption", "avg(feature_breadth) * 100").getMessage())
        .contains("one value per row");
    assertThat(formulaError("financial", "'high'").getMessage()).contains("not a number");
    assertThat(formulaError("usage", "rand() * 100").getMessage()).contains("not deterministic");
    assertThat(formulaError("usage", "active_usage_rate *").getMessage())
        .contains("not a valid Spark SQL expression");
  }

  @Test
  void checkFindsABadFormulaWithoutReadingData() {
    Dataset<Row> features = frame();
    CslakeException e =
        catchThrowableOfType(
            CslakeException.class,
            () -> HealthScore.check(features, settings(Map.of("usage", "mau_typo * 2"))));
    assertThat(e.getMessage()).contains("cslake.health.components.usage.formula", "mau_typo");
  }
}
