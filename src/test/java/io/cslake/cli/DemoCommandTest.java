package io.cslake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cslake.CslakeException;
import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.job.GenerateJob;
import io.cslake.table.Lakehouse;
import io.cslake.table.RunsTable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code cslake demo} on an existing generated dataset: it ingests every source untouched (nothing
 * quarantined, nothing lost), computes the metrics and the CLV and prints what it wrote.
 */
class DemoCommandTest extends SparkTestBase {
  static Path data;
  static Map<String, Long> generated;

  @BeforeAll
  static void generate() {
    data = newDir("generated");
    GeneratorParams params =
        new GeneratorParams(
            80,
            14,
            LocalDate.of(2024, 11, 1),
            11,
            0.02,
            GeneratorParams.Format.PARQUET,
            data.toString(),
            Set.of());
    generated = GenerateJob.run(spark, params);
  }

  static List<String> sourcePaths() {
    List<String> sets = new ArrayList<>();
    for (Source source : Source.values()) {
      sets.add("cslake.sources." + source.id() + ".path=" + data.resolve(source.id()));
    }
    return sets;
  }

  @Test
  void demoOnAnExistingDatasetIngestsComputesMetricsAndSummarises() {
    Path lake = newDir("demo-lake");
    List<String> args = new ArrayList<>(List.of("demo", "--set", "cslake.lakehouse=" + lake));
    for (String set : sourcePaths()) {
      args.add("--set");
      args.add(set);
    }
    args.add("--set");
    args.add("cslake.spark.shuffle-partitions=2");
    args.add("--set");
    args.add("cslake.spark.master=local[2]");

    MainTest.Result result = MainTest.run(args.toArray(String[]::new));

    assertThat(result.exitCode()).as(result.err()).isZero();
    Lakehouse lakehouse = new Lakehouse(lake.toString());
    assertThat(result.out())
        .as("the existing dataset is used, not regenerated")
        .contains("used the sample " + data)
        .doesNotContain("Generating");
    assertThat(result.out()).contains("Tables written under " + lakehouse.root());
    long read = 0;
    for (Source source : Source.values()) {
      assertThat(result.out())
          .containsPattern(
              "silver/"
                  + source.id()
                  + " +"
                  + String.format(java.util.Locale.ROOT, "%,d", generated.get(source.id()))
                  + " rows");
      read += generated.get(source.id());
    }
    for (String rollup : List.of("user_activity_daily", "account_usage_daily")) {
      assertThat(result.out()).containsPattern("silver/" + rollup + " +[0-9,]+ rows");
    }
    for (String gold :
        List.of(
            "mrr_movements",
            "kpi_monthly",
            "cohort_retention",
            "clv",
            "clv_cohorts",
            "churn_features",
            "clv_model_params")) {
      assertThat(result.out()).containsPattern("gold/" + gold + " +[0-9,]+ rows");
    }
    // The clv stage runs after metrics. At this scale (80 accounts, 82 purchases) there are too
    // few repeat buyers for BG/NBD; the sBG is fitted (the committed sample of 300 accounts fits
    // all three models).
    assertThat(result.out())
        .containsPattern("(?m)^clv [0-9A-Za-z-]+ as of ")
        .contains("skipped: bgnbd, gamma_gamma (17 repeat customers of 28 up to the as-of date")
        .contains("sbg ALL (80 customers): alpha=");
    // features then train run after metrics; at this scale train may refuse (too few churners in a
    // snapshot), which the demo reports as skipped rather than failing.
    assertThat(result.out())
        .containsPattern("(?m)^features [0-9A-Za-z-]+ as of ")
        .containsPattern("gold/churn_features +[0-9,]+ rows")
        .containsPattern("(?m)^(train [0-9A-Za-z-]+ -> churn-|train: skipped: Cannot train)");
    // With a model, score runs and the summary lists the riskiest accounts; without, it says why.
    if (result.out().contains("train: skipped:")) {
      assertThat(result.out())
          .contains("score: skipped: no registered model fits the features")
          .contains("churn risk: not scored");
    } else {
      assertThat(result.out())
          .containsPattern("(?m)^score [0-9A-Za-z-]+ as of [0-9-]+ with churn-")
          .containsPattern("gold/account_360 +[0-9,]+ rows")
          .contains("the 10 riskiest accounts");
    }
    assertThat(rows(lakehouse.gold("clv"))).isEqualTo(generated.get("accounts"));
    assertThat(result.out())
        .contains(String.format(java.util.Locale.ROOT, "input rows: %,d read, 0 quarantined", read))
        .contains(
            String.format(java.util.Locale.ROOT, "accounts: %,d (", generated.get("accounts")));

    // Every generated row passed ingest untouched: nothing quarantined, nothing lost.
    Map<String, Row> runs = new java.util.HashMap<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(lakehouse.runs())
            .filter(col(RunsTable.COMMAND).equalTo(lit("ingest")))
            .filter(col(RunsTable.SOURCE).isNotNull())
            .collectAsList()) {
      runs.put(r.getAs(RunsTable.SOURCE), r);
    }
    assertThat(runs).hasSize(Source.values().length);
    for (Source source : Source.values()) {
      Row r = runs.get(source.id());
      long rows = generated.get(source.id());
      assertThat(rows).as(source.id() + " is not empty").isPositive();
      assertThat((long) r.getAs(RunsTable.ROWS_READ)).as(source.id() + " read").isEqualTo(rows);
      assertThat((long) r.getAs(RunsTable.ROWS_ACCEPTED))
          .as(source.id() + " accepted")
          .isEqualTo(rows);
      assertThat((long) r.getAs(RunsTable.ROWS_QUARANTINED)).as(source.id()).isZero();
      assertThat((long) r.getAs(RunsTable.ROWS_DUPLICATE)).as(source.id()).isZero();
    }

    // The headline month is the last month of kpi_monthly, with that month's company MRR.
    Row last =
        spark
            .read()
            .format("delta")
            .load(lakehouse.gold("kpi_monthly"))
            .filter(col("segment").equalTo(lit("ALL")))
            .orderBy(col("month").desc())
            .first();
    BigDecimal mrr = last.getAs("mrr");
    assertThat(mrr.signum()).isPositive();
    assertThat(result.out())
        .contains(
            last.getAs("month").toString().substring(0, 7)
                + ": MRR "
                + mrr.setScale(0, RoundingMode.HALF_UP).toPlainString()
                + " USD");
  }

  private static long rows(String path) {
    return spark.read().format("delta").load(path).count();
  }

  @Test
  void theDemoNeedsAGeneratedLayout() {
    assertThatThrownBy(() -> DemoCommand.sampleFolder(TestConfigs.of(newDir("no-sources"))))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("cslake.sources.accounts.path is not set");
    CslakeConfig foreign =
        TestConfigs.of(newDir("foreign"), "cslake.sources.accounts.path=/data/crm/customers");
    assertThatThrownBy(() -> DemoCommand.sampleFolder(foreign))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("/data/crm/customers")
        .hasMessageContaining("<folder>/accounts");
    CslakeConfig sample =
        TestConfigs.of(newDir("sample"), "cslake.sources.accounts.path=/x/sample/accounts");
    assertThat(DemoCommand.sampleFolder(sample)).isEqualTo("/x/sample");
  }
}
