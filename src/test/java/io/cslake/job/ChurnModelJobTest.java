package io.cslake.job;

import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trunc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import io.cslake.generate.GeneratorParams;
import io.cslake.model.Candidates;
import io.cslake.model.ChurnTrainer;
import io.cslake.model.TimeSplit;
import io.cslake.table.Lakehouse;
import io.cslake.transform.Columns;
import io.cslake.transform.features.ChurnFeatures;
import io.cslake.transform.features.ChurnLabels;
import io.cslake.transform.features.GeneratedSilver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code features} then {@code train} on a generated company whose churn causes are planted: the
 * model is compared with the generator's true hazard (the oracle) on the same validation rows.
 */
class ChurnModelJobTest extends SparkTestBase {
  static final LocalDate AS_OF = LocalDate.of(2026, 10, 31);
  static Lakehouse lakehouse;
  static CslakeConfig config;
  static Map<String, Dataset<Row>> truth;
  static FeaturesJob.Report features;
  static TrainJob.Report trained;

  @BeforeAll
  static void featuresAndTrain() {
    GeneratorParams params =
        new GeneratorParams(
            1200,
            24,
            LocalDate.of(2024, 11, 1),
            3,
            0.03,
            GeneratorParams.Format.PARQUET,
            "unused",
            Set.of());
    Path root = newDir("churn-model");
    lakehouse = new Lakehouse(root.toString());
    GeneratedSilver world = GeneratedSilver.generate(spark, params);
    world.writeSilver(lakehouse);
    truth = world.truth;
    config =
        TestConfigs.of(
            root,
            "cslake.as-of=" + AS_OF,
            "cslake.sources.accounts.attributes=[contract_type, payment_method, employee_band]",
            "cslake.features.history-months=20",
            "cslake.model.trees=40");
    features = FeaturesJob.run(JobContext.create(spark, config, "features"));
    trained = TrainJob.run(JobContext.create(spark, config, "train"));
  }

  @Test
  void featuresCoverEverySnapshotInOnePass() {
    assertThat(features.snapshots()).hasSize(21).endsWith(AS_OF);
    assertThat(features.skipped()).isEmpty();
    Dataset<Row> table = spark.read().format("delta").load(lakehouse.gold(ChurnFeatures.TABLE));
    assertThat(table.select(ChurnFeatures.AS_OF_DATE).distinct().count()).isEqualTo(21);
    assertThat(table.count()).isEqualTo(features.rows());
    // One row per account and snapshot, and only labels whose horizon closed by the as-of date.
    assertThat(table.select(ChurnFeatures.ACCOUNT_ID, ChurnFeatures.AS_OF_DATE).distinct().count())
        .isEqualTo(features.rows());
    assertThat(
            table
                .filter(col(ChurnLabels.OBSERVABLE))
                .filter(date_add(col(ChurnFeatures.AS_OF_DATE), 120).gt(lit(Date.valueOf(AS_OF))))
                .count())
        .isZero();
    assertThat(table.columns()).contains(ChurnFeatures.ATTRIBUTE_PREFIX + "contract_type");
  }

  @Test
  void trainsByTimeAndRecoversMostOfTheOraclesLift() {
    assertThat(trained.split()).isEqualTo(TimeSplit.Method.TIME);
    // The latest snapshot whose 90 + 30 days are observed: the end of June 2026.
    assertThat(trained.validationDate()).isEqualTo(LocalDate.of(2026, 6, 30));
    assertThat(trained.trainDates())
        .allMatch(d -> !d.plusDays(120).isAfter(trained.validationDate()));
    assertThat(trained.candidates())
        .extracting(ChurnTrainer.CandidateResult::algorithm)
        .containsExactlyInAnyOrder(
            Candidates.LOGISTIC_REGRESSION, Candidates.GRADIENT_BOOSTED_TREES);

    // The oracle: the true hazard the generator set at the end of the snapshot's month.
    Dataset<Row> validation =
        spark
            .read()
            .format("delta")
            .load(lakehouse.gold(ChurnFeatures.TABLE))
            .filter(col(ChurnLabels.OBSERVABLE))
            .filter(
                col(ChurnFeatures.AS_OF_DATE).equalTo(lit(Date.valueOf(trained.validationDate()))))
            .select(ChurnFeatures.ACCOUNT_ID, ChurnFeatures.AS_OF_DATE, ChurnLabels.LABEL)
            .withColumn("month", add_months(trunc(col(ChurnFeatures.AS_OF_DATE), "month"), 1));
    Dataset<Row> scored =
        Columns.join(
            validation,
            truth.get("account_months").select("account_id", "month", "hazard"),
            "left",
            ChurnFeatures.ACCOUNT_ID,
            "month");
    assertThat(scored.filter(col("hazard").isNull()).count()).isZero();
    double oracleAuc =
        new BinaryClassificationEvaluator()
            .setRawPredictionCol("hazard")
            .setLabelCol(ChurnLabels.LABEL)
            .setMetricName("areaUnderROC")
            .evaluate(scored.withColumn(ChurnLabels.LABEL, col(ChurnLabels.LABEL).cast("double")));
    ChurnTrainer.CandidateResult chosen = trained.chosen();
    double modelAuc = chosen.validation().rocAuc();
    double recovered = (modelAuc - 0.5) / (oracleAuc - 0.5);
    System.out.printf(
        Locale.ROOT,
        "churn model on generated data: %s, validation rows %d (positive rate %.3f), ROC-AUC %.4f"
            + " (calibrated %.4f), PR-AUC %.4f; oracle ROC-AUC %.4f; recovered %.2f of the"
            + " oracle's lift%n",
        trained.algorithm(),
        trained.validationRows(),
        trained.validation().positiveRate(),
        modelAuc,
        trained.validation().rocAuc(),
        chosen.validation().prAuc(),
        oracleAuc,
        recovered);
    assertThat(oracleAuc).isGreaterThan(0.6);
    assertThat(recovered).as("share of the oracle's lift over random").isGreaterThanOrEqualTo(0.8);
  }

  @Test
  void calibratedProbabilitiesMatchTheObservedRate() {
    double observed = trained.validation().positiveRate();
    double predicted =
        trained.validation().calibration().stream().mapToDouble(b -> b.meanScore() * b.rows()).sum()
            / trained.validation().rows();
    assertThat(predicted).isCloseTo(observed, within(0.1 * observed));
    assertThat(trained.validation().calibration()).hasSizeGreaterThan(3);
  }

  @Test
  void registersTheRunAndSavesTheModel() throws Exception {
    Row run =
        spark
            .read()
            .format("delta")
            .load(lakehouse.gold(TrainJob.MODEL_RUNS))
            .filter(col("model_version").equalTo(lit(trained.version())))
            .first();
    assertThat(run.<String>getAs("split_method")).isEqualTo("time");
    assertThat(run.<String>getAs("algorithm")).isEqualTo(trained.algorithm());
    assertThat(run.getList(run.fieldIndex("calibration"))).isNotEmpty();
    assertThat(run.getList(run.fieldIndex("feature_importances"))).isNotEmpty();
    assertThat(run.getList(run.fieldIndex("feature_schema")))
        .hasSize(trained.schema().numeric().size() + trained.schema().categorical().size());
    assertThat(run.<Double>getAs("pr_auc")).isEqualTo(trained.chosen().validation().prAuc());
    assertThat(run.<Double>getAs("brier")).isEqualTo(trained.validation().brier());
    assertThat(trained.importances().stream().mapToDouble(i -> i.importance()).sum())
        .isCloseTo(1.0, within(1e-9));

    PipelineModel loaded = PipelineModel.load(trained.modelPath() + "/pipeline");
    assertThat(loaded.stages()).isNotEmpty();
    assertThat(Files.readString(Path.of(trained.modelPath(), "feature_schema.json")))
        .contains("\"" + "mrr" + "\"");
  }
}
