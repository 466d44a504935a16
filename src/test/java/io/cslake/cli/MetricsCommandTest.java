package io.cslake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cslake.CslakeException;
import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.job.IngestJob;
import io.cslake.job.JobContext;
import io.cslake.job.MetricsJob;
import io.cslake.table.Lakehouse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code cslake metrics} end to end: ingest of the golden case's CSVs, then metrics from silver,
 * every table written with the row counts worked out in {@code golden/revenue/README.md}.
 */
class MetricsCommandTest extends SparkTestBase {
  static final Path GOLDEN = Path.of("src/test/resources/golden/revenue").toAbsolutePath();
  static final List<Source> SOURCES =
      List.of(
          Source.ACCOUNTS,
          Source.SUBSCRIPTIONS,
          Source.FX_RATES,
          Source.CHURN_EVENTS,
          Source.TRANSACTIONS);

  static Path lake;

  @BeforeAll
  static void ingest() {
    lake = newDir("metrics-lake");
    List<String> sets = new ArrayList<>();
    for (Source source : SOURCES) {
      String key = "cslake.sources." + source.id();
      sets.add(key + ".path=" + GOLDEN.resolve(source.id() + ".csv"));
      sets.add(key + ".format=csv");
      sets.add(key + ".options.header=true");
    }
    sets.add("cslake.as-of=2024-12-31");
    CslakeConfig config = TestConfigs.of(lake, sets.toArray(String[]::new));
    IngestJob.run(JobContext.create(spark, config, "ingest"));
  }

  @Test
  void writesEveryTableAndPrintsTheLatestMonthThenRewritesForTheDefaultAsOf() {
    MainTest.Result result = MainTest.run(args("--as-of", "2024-06-30"));

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out())
        .contains("as of 2024-06-30")
        .contains(
            "2024-06 (all segments): MRR 770.00 USD, NRR 100.0%, GRR 100.0%, logo churn 0.0%");
    Lakehouse lakehouse = new Lakehouse(lake.toString());
    // 6 accounts x Jan..Jun, C from Feb: 35 account-months and movements.
    assertThat(rows(lakehouse.silver("account_month_mrr"))).isEqualTo(35);
    assertThat(rows(lakehouse.gold("mrr_movements"))).isEqualTo(35);
    // ALL, smb, enterprise x 6 months.
    assertThat(rows(lakehouse.gold("kpi_monthly"))).isEqualTo(18);
    // B (price, Mar) and F (competitor, Apr), each in smb and ALL.
    assertThat(rows(lakehouse.gold("churn_reasons_monthly"))).isEqualTo(4);
    // subscription: ALL Jan(6)+Feb(5), smb Jan(6), enterprise Jan(6)+Feb(5) = 28;
    // transaction: ALL Jan(6)+Feb(5), smb the same = 22.
    assertThat(rows(lakehouse.gold("cohort_retention"))).isEqualTo(50);
    // gold/clv belongs to 'cslake clv'.
    assertThat(result.out()).doesNotContain("gold/clv");
    assertThat(new java.io.File(lakehouse.gold("clv"))).doesNotExist();
    // No usage events: the engagement columns of kpi_monthly are there, and null.
    Dataset<Row> kpi = spark.read().format("delta").load(lakehouse.gold("kpi_monthly"));
    assertThat(kpi.columns()).contains("mau", "dau_mau", "dau_mau_3m");
    assertThat(kpi.filter(col("mau").isNotNull().or(col("dau_mau").isNotNull())).count()).isZero();
    Dataset<Row> runs =
        spark
            .read()
            .format("delta")
            .load(lakehouse.runs())
            .filter(col("command").equalTo(lit("metrics")));
    assertThat(runs.filter(col("status").equalTo(lit("success"))).count()).isEqualTo(1);

    // Without --as-of: the last day with data is B's purchase of 2024-07-02, so July is added
    // (every
    // account is active in June); the tables are replaced, not appended to.
    MainTest.Result again = MainTest.run(args());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("as of 2024-07-02");
    assertThat(rows(lakehouse.silver("account_month_mrr"))).isEqualTo(35 + 6);
    assertThat(rows(lakehouse.gold("kpi_monthly"))).isEqualTo(18 + 3);
  }

  @Test
  void aSubscriptionCurrencyWithoutRatesStopsTheRunNamingIt() {
    Path gbpLake = newDir("metrics-gbp");
    Lakehouse lakehouse = new Lakehouse(gbpLake.toString());
    silver(lakehouse, Source.ACCOUNTS, Frames.golden(spark, "revenue", Source.ACCOUNTS));
    silver(
        lakehouse,
        Source.SUBSCRIPTIONS,
        Frames.golden(spark, "revenue", Source.SUBSCRIPTIONS)
            .filter(col("account_id").equalTo(lit("A")))
            .withColumn("currency", lit("GBP")));
    CslakeConfig config = TestConfigs.of(gbpLake, "cslake.as-of=2024-02-29");
    JobContext ctx = JobContext.create(spark, config, "metrics");

    assertThatThrownBy(() -> MetricsJob.run(ctx))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("Cannot convert subscription MRR to USD")
        .hasMessageContaining("GBP for 2024-01, GBP for 2024-02")
        .hasMessageContaining("fx_rates");
    assertThat(((CslakeException) catchError(ctx)).exitCode()).isEqualTo(3);
  }

  @Test
  void withoutSubscriptionsOnlyTransactionCohortsAndAccountExperienceAreWritten() {
    Path txLake = newDir("metrics-tx");
    Lakehouse lakehouse = new Lakehouse(txLake.toString());
    silver(lakehouse, Source.ACCOUNTS, Frames.golden(spark, "revenue", Source.ACCOUNTS));
    silver(lakehouse, Source.TRANSACTIONS, Frames.golden(spark, "revenue", Source.TRANSACTIONS));
    CslakeConfig config = TestConfigs.of(txLake, "cslake.as-of=2024-06-30");

    MetricsJob.Report report = MetricsJob.run(JobContext.create(spark, config, "metrics"));

    assertThat(report.tables())
        .extracting(MetricsJob.TableResult::name)
        .containsExactly("gold/cohort_retention", "gold/account_experience");
    // account_month_mrr, mrr_movements, kpi_monthly, cs_team_kpis, churn_reasons_monthly,
    // feedback_themes (no surveys); no usage rollups: account_engagement, feature_adoption_monthly.
    assertThat(report.skipped()).hasSize(8);
    assertThat(report.latest()).isEmpty();
    // Transaction cohorts only: ALL Jan(6)+Feb(5), smb the same.
    assertThat(report.tables().get(0).rows()).isEqualTo(22);
  }

  private static Throwable catchError(JobContext ctx) {
    try {
      MetricsJob.run(ctx);
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a failure");
  }

  private static void silver(Lakehouse lakehouse, Source source, Dataset<Row> rows) {
    rows.write().format("delta").save(lakehouse.silver(source.id()));
  }

  private static String[] args(String... more) {
    List<String> args = new ArrayList<>();
    args.add("metrics");
    args.addAll(List.of("--set", "cslake.lakehouse=" + lake));
    args.addAll(List.of("--set", "cslake.spark.master=local[2]"));
    args.addAll(List.of("--set", "cslake.spark.shuffle-partitions=2"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private static long rows(String path) {
    return spark.read().format("delta").load(path).count();
  }
}
