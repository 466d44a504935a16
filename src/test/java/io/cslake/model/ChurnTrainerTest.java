package io.cslake.model;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.SparkTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Candidates, selection, calibration and refit on data with a known churn probability: logit(p) =
 * −3 + 1.6·usage_drop + 1.2·[plan = basic] (+ a noise feature, some usage values missing). The true
 * p serves as the oracle score on the same validation rows.
 */
class ChurnTrainerTest extends SparkTestBase {
  static final StructType SCHEMA =
      new StructType()
          .add("account_id", DataTypes.StringType)
          .add("usage_drop", DataTypes.DoubleType)
          .add("noise", DataTypes.IntegerType)
          .add("plan", DataTypes.StringType)
          .add("true_p", DataTypes.DoubleType)
          .add("label", DataTypes.IntegerType);

  static final Candidates.Schema FEATURES =
      new Candidates.Schema(List.of("usage_drop", "noise"), List.of("plan"));

  @Test
  void recoversTheOraclesRankingAndCalibratesOnUnseenRows() {
    Dataset<Row> train = rows(3000, 1);
    Dataset<Row> validation = rows(6000, 2);
    Dataset<Row> test = rows(4000, 3);

    ChurnTrainer.Result result =
        ChurnTrainer.train(
            train, validation, FEATURES, new ChurnTrainer.Settings(0.001, 0.5, 20, 3, 32, 7));

    assertThat(result.candidates())
        .extracting(ChurnTrainer.CandidateResult::algorithm)
        .containsExactly(Candidates.LOGISTIC_REGRESSION, Candidates.GRADIENT_BOOSTED_TREES);
    double best =
        result.candidates().stream().mapToDouble(c -> c.validation().prAuc()).max().orElseThrow();
    assertThat(
            result.candidates().stream()
                .filter(c -> c.algorithm().equals(result.algorithm()))
                .findFirst()
                .orElseThrow()
                .validation()
                .prAuc())
        .isEqualTo(best);

    Evaluation oracle = Evaluation.of(validation, "true_p", "label");
    double recovered = (result.validation().rocAuc() - 0.5) / (oracle.rocAuc() - 0.5);
    assertThat(recovered).as("share of the oracle's lift over random").isGreaterThan(0.8);

    // Rows neither model nor calibrator has seen: the mean probability matches the expected churn
    // rate (the mean true p). The calibrator learns from 6000 validation rows, whose churn rate
    // has a standard error of about 3 % of itself, so 10 % is a margin of 3 standard errors.
    Row means =
        ChurnTrainer.score(result.model(), result.calibrator(), test, FEATURES)
            .agg(avg(col(ChurnTrainer.SCORE)), avg(col("true_p")))
            .first();
    assertThat(means.getDouble(0)).isCloseTo(means.getDouble(1), within(0.1 * means.getDouble(1)));
    assertThat(result.validation().calibration()).isNotEmpty();
    assertThat(result.validation().liftTopDecile()).isGreaterThan(1.5);
    assertThat(result.trainRows()).isEqualTo(3000);
    assertThat(result.validationRows()).isEqualTo(6000);
  }

  static Dataset<Row> rows(int n, long seed) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double drop = random.nextGaussian();
      String plan = random.nextDouble() < 0.3 ? "basic" : random.nextBoolean() ? "pro" : "team";
      double logit = -3 + 1.6 * drop + (plan.equals("basic") ? 1.2 : 0);
      double p = 1 / (1 + Math.exp(-logit));
      int label = random.nextDouble() < p ? 1 : 0;
      rows.add(
          RowFactory.create(
              "s" + seed + "-" + i,
              random.nextDouble() < 0.05 ? null : drop,
              random.nextInt(10),
              plan,
              p,
              label));
    }
    return spark.createDataFrame(rows, SCHEMA);
  }
}
