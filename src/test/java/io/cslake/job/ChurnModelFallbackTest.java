package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cslake.CslakeException;
import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import io.cslake.generate.GeneratorParams;
import io.cslake.model.TimeSplit;
import io.cslake.table.Lakehouse;
import io.cslake.transform.features.BillingFeatures;
import io.cslake.transform.features.ChurnFeatures;
import io.cslake.transform.features.GeneratedSilver;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A one-off export: accounts and subscriptions only (no usage, no feedback, no support), and a
 * single snapshot date whose label is observable. {@code train} falls back to a stratified hold-out
 * of accounts and says so.
 */
class ChurnModelFallbackTest extends SparkTestBase {

  @Test
  void oneUsableSnapshotWithoutUsageTrainsOnAHoldOutAndSaysSo() {
    GeneratorParams params =
        new GeneratorParams(
            1000,
            8,
            LocalDate.of(2024, 11, 1),
            9,
            0.001,
            GeneratorParams.Format.PARQUET,
            "unused",
            Set.of());
    Path root = newDir("churn-fallback");
    Lakehouse lakehouse = new Lakehouse(root.toString());
    GeneratedSilver.generate(spark, params).writeBillingOnly(lakehouse);
    // Snapshots at the ends of February to June 2025; only February's 90 + 30 days are observed.
    CslakeConfig config =
        TestConfigs.of(
            root,
            "cslake.as-of=2025-06-30",
            "cslake.features.history-months=4",
            "cslake.sources.accounts.attributes=[contract_type, payment_method, employee_band]",
            "cslake.model.trees=20");

    FeaturesJob.Report features = FeaturesJob.run(JobContext.create(spark, config, "features"));
    assertThat(features.families()).containsExactly("billing", "account attributes");
    assertThat(features.skipped()).hasSize(8);

    TrainJob.Report trained = TrainJob.run(JobContext.create(spark, config, "train"));
    assertThat(trained.split()).isEqualTo(TimeSplit.Method.STRATIFIED_HOLDOUT);
    assertThat(trained.validationDate()).isEqualTo(LocalDate.of(2025, 2, 28));
    assertThat(trained.trainDates()).containsExactly(LocalDate.of(2025, 2, 28));
    List<String> features1 = new ArrayList<>(trained.schema().numeric());
    features1.addAll(trained.schema().categorical());
    assertThat(features1)
        .contains(BillingFeatures.MRR, BillingFeatures.TENURE_DAYS, ChurnFeatures.SEGMENT)
        .contains(ChurnFeatures.ATTRIBUTE_PREFIX + "contract_type")
        .noneMatch(f -> f.contains("nps") || f.contains("ticket") || f.contains("ratio"));
    // Honest metrics: measured on the held-out accounts, whatever they are.
    assertThat(trained.validation().rocAuc()).isBetween(0.0, 1.0);
    assertThat(trained.validation().prAuc()).isBetween(0.0, 1.0);
    assertThat(trained.trainRows() + trained.validationRows()).isEqualTo(features.labelled());

    Row run =
        spark
            .read()
            .format("delta")
            .load(lakehouse.gold(TrainJob.MODEL_RUNS))
            .filter(col("model_version").equalTo(lit(trained.version())))
            .first();
    assertThat(run.<String>getAs("split_method")).isEqualTo("stratified_holdout");
  }

  @Test
  void trainWithoutFeaturesTellsWhatToRunFirst() {
    CslakeConfig config = TestConfigs.of(newDir("no-features"));
    assertThatThrownBy(() -> TrainJob.run(JobContext.create(spark, config, "train")))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("Cannot train")
        .hasMessageContaining("Run 'cslake features'")
        .satisfies(e -> assertThat(((CslakeException) e).exitCode()).isEqualTo(3));
  }

  @Test
  void featuresWithoutSubscriptionsTellsWhatToRunFirst() {
    CslakeConfig config = TestConfigs.of(newDir("no-silver"));
    assertThatThrownBy(() -> FeaturesJob.run(JobContext.create(spark, config, "features")))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("Cannot compute churn features")
        .hasMessageContaining("cslake ingest")
        .satisfies(e -> assertThat(((CslakeException) e).exitCode()).isEqualTo(3));
  }
}
