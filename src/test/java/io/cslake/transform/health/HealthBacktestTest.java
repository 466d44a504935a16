package io.cslake.transform.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.SparkTestBase;
import io.cslake.config.CslakeConfig.HealthSettings;
import io.cslake.transform.health.HealthBacktest.Auc;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The health backtest: ROC-AUC with ties, per date and pooled, and weight fitting (SPEC §6.4). */
class HealthBacktestTest extends SparkTestBase {
  private static final Date D1 = Date.valueOf("2024-01-31");
  private static final Date D2 = Date.valueOf("2024-02-29");
  private static final Date D3 = Date.valueOf("2024-03-31");

  private static final StructType HEALTH =
      new StructType()
          .add("account_id", DataTypes.StringType)
          .add("as_of_date", DataTypes.DateType)
          .add("health_score", DataTypes.DoubleType);

  private static final StructType LABELS =
      new StructType()
          .add("account_id", DataTypes.StringType)
          .add("as_of_date", DataTypes.DateType)
          .add("label", DataTypes.IntegerType)
          .add("observable", DataTypes.BooleanType);

  /**
   * Risk = 100 − score. On D1 and D2 together: churned risks 80, 70, 50, 10; retained 70, 50, 50,
   * 20, plus 40 on D3. Per churned row, retained rows below + ½ tied: 80 → 5, 70 → 4 + ½, 50 → 2 +
   * 2 × ½, 10 → 0; Σ = 12.5 over 4 × 5 pairs = 0.625. Average ranks give the same: ranks of the
   * nine risks ascending 10:1, 20:2, 40:3, 50:5 (three tied), 70:7.5 (two tied), 80:9; churned rank
   * sum 1 + 5 + 7.5 + 9 = 22.5; (22.5 − 4 × 5 / 2) / 20 = 0.625.
   */
  private static Dataset<Row> labelled() {
    Dataset<Row> health =
        spark.createDataFrame(
            List.of(
                RowFactory.create("a1", D1, 20.0),
                RowFactory.create("a2", D1, 30.0),
                RowFactory.create("a3", D1, 30.0),
                RowFactory.create("a4", D1, 50.0),
                RowFactory.create("a5", D2, 50.0),
                RowFactory.create("a6", D2, 50.0),
                RowFactory.create("a7", D2, 80.0),
                RowFactory.create("a8", D2, 90.0),
                RowFactory.create("a9", D3, 60.0),
                // left out: not observable, label unknown, no score
                RowFactory.create("x1", D3, 99.0),
                RowFactory.create("x2", D3, 1.0),
                RowFactory.create("x3", D3, null)),
            HEALTH);
    Dataset<Row> labels =
        spark.createDataFrame(
            List.of(
                RowFactory.create("a1", D1, 1, true),
                RowFactory.create("a2", D1, 1, true),
                RowFactory.create("a3", D1, 0, true),
                RowFactory.create("a4", D1, 1, true),
                RowFactory.create("a5", D2, 0, true),
                RowFactory.create("a6", D2, 0, true),
                RowFactory.create("a7", D2, 0, true),
                RowFactory.create("a8", D2, 1, true),
                RowFactory.create("a9", D3, 0, true),
                RowFactory.create("x1", D3, 1, false),
                RowFactory.create("x2", D3, null, true),
                RowFactory.create("x3", D3, 1, true)),
            LABELS);
    return HealthBacktest.labelled(health, labels);
  }

  @Test
  void rocAucCountsTiesAsHalfOverallAndPerDate() {
    HealthBacktest.Report report = HealthBacktest.evaluate(labelled());

    assertThat(report.overall().accounts()).isEqualTo(9);
    assertThat(report.overall().churned()).isEqualTo(4);
    assertThat(report.overall().rocAuc()).isCloseTo(0.625, within(1e-12));
    assertThat(report.byDate().keySet())
        .containsExactly(
            LocalDate.parse("2024-01-31"),
            LocalDate.parse("2024-02-29"),
            LocalDate.parse("2024-03-31"));
    // D1: churned 80, 70, 50 against retained 70: 1 + ½ + 0 over 3 pairs
    Auc d1 = report.byDate().get(LocalDate.parse("2024-01-31"));
    assertThat(d1.accounts()).isEqualTo(4);
    assertThat(d1.churned()).isEqualTo(3);
    assertThat(d1.rocAuc()).isCloseTo(0.5, within(1e-12));
    // D2: churned 10 below every retained row (50, 50, 20)
    assertThat(report.byDate().get(LocalDate.parse("2024-02-29")).rocAuc())
        .isCloseTo(0.0, within(1e-12));
    // D3: one retained account only
    Auc d3 = report.byDate().get(LocalDate.parse("2024-03-31"));
    assertThat(d3).isEqualTo(new Auc(1, 0, null));
  }

  @Test
  void rocAucAgreesWithMllib() {
    Dataset<Row> scored =
        labelled()
            .withColumn("risk", functions.lit(100.0).minus(functions.col("health_score")))
            .withColumn("y", functions.col("label").cast(DataTypes.DoubleType));
    double mllib =
        new BinaryClassificationEvaluator()
            .setRawPredictionCol("risk")
            .setLabelCol("y")
            .evaluate(scored);

    assertThat(HealthBacktest.evaluate(labelled()).overall().rocAuc())
        .isCloseTo(mllib, within(1e-12));
  }

  /**
   * Churn depends on usage only: P(churn) = σ((40 − usage) / 6). Other components are noise, and
   * satisfaction is missing on every fifth row.
   */
  @Test
  void fitWeightsGivesTheOnlyInformativeComponentAlmostAllTheWeight() {
    Random random = new Random(11);
    List<String> names = HealthSettings.COMPONENTS;
    StructType schema =
        new StructType()
            .add("account_id", DataTypes.StringType)
            .add("as_of_date", DataTypes.DateType);
    for (String name : names) {
      schema = schema.add(name + "_score", DataTypes.DoubleType);
    }
    schema = schema.add("health_score", DataTypes.DoubleType).add("label", DataTypes.IntegerType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      Object[] values = new Object[names.size() + 4];
      values[0] = "a" + i;
      values[1] = D1;
      double sum = 0;
      int present = 0;
      for (int j = 0; j < names.size(); j++) {
        double v = 100 * random.nextDouble();
        boolean missing = names.get(j).equals("satisfaction") && i % 5 == 0;
        values[j + 2] = missing ? null : v;
        if (!missing) {
          sum += v;
          present++;
        }
      }
      double usage = (Double) values[2];
      values[names.size() + 2] = sum / present;
      values[names.size() + 3] = random.nextDouble() < 1 / (1 + Math.exp((usage - 40) / 6)) ? 1 : 0;
      rows.add(RowFactory.create(values));
    }
    Dataset<Row> labelled = spark.createDataFrame(rows, schema).cache();
    Map<String, HealthSettings.Component> equal = new LinkedHashMap<>();
    names.forEach(n -> equal.put(n, new HealthSettings.Component(2, "0")));

    HealthBacktest.WeightFit fit =
        HealthBacktest.fitWeights(labelled, new HealthSettings(equal, 70, 40));

    assertThat(fit.rows()).isEqualTo(600);
    assertThat(fit.configured().values()).allSatisfy(w -> assertThat(w).isEqualTo(1.0 / 6));
    assertThat(fit.fitted().keySet()).containsExactlyElementsOf(names);
    assertThat(fit.fitted().values().stream().mapToDouble(Double::doubleValue).sum())
        .isCloseTo(1.0, within(1e-9));
    assertThat(fit.fitted()).allSatisfy((name, w) -> assertThat(w).isGreaterThanOrEqualTo(0.0));
    // seed 11 gives usage 0.92, adoption 0.04, satisfaction 0.03, the others at most 0.003
    assertThat(fit.fitted().get("usage")).isGreaterThan(0.85);
    assertThat(fit.fitted())
        .allSatisfy((name, w) -> assertThat(name.equals("usage") || w < 0.05).isTrue());
    assertThat(fit.fittedRocAuc()).isGreaterThan(fit.configuredRocAuc() + 0.1);
    assertThat(fit.fittedRocAuc()).isGreaterThan(0.95);
    labelled.unpersist();
  }
}
