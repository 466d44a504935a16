package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.TestTables;
import io.cslake.contract.Source;
import io.cslake.table.Lakehouse;
import io.cslake.transform.engagement.AccountEngagement;
import io.cslake.transform.engagement.FeatureAdoptionMonthly;
import java.nio.file.Path;
import java.sql.Date;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@code ingest} then {@code metrics} on the golden case {@code golden/engagement}: the engagement
 * tables are written from the rollups, {@code account_engagement} one as-of date at a time (a
 * re-run replaces its date, another date adds one), and {@code kpi_monthly} carries the monthly
 * engagement columns.
 */
class EngagementMetricsJobTest extends SparkTestBase {
  static final Path GOLDEN = Path.of("src/test/resources/golden/engagement").toAbsolutePath();

  @Test
  void metricsWritesEngagementPerAsOfDateAndJoinsTheMonthlyColumnsToKpis() {
    Path lake = newDir("engagement-lake");
    List<String> sets = new ArrayList<>();
    for (Source source :
        List.of(Source.ACCOUNTS, Source.SUBSCRIPTIONS, Source.MILESTONES, Source.USAGE_EVENTS)) {
      sets.addAll(TestTables.csvSource(source.id(), GOLDEN.resolve(source.id() + ".csv")));
    }
    sets.add("cslake.as-of=2024-04-30");
    sets.add("cslake.engagement.key-feature=automation");
    IngestJob.run(
        JobContext.create(spark, TestConfigs.of(lake, sets.toArray(String[]::new)), "ingest"));

    sets.set(sets.size() - 2, "cslake.as-of=2024-03-31");
    MetricsJob.run(
        JobContext.create(spark, TestConfigs.of(lake, sets.toArray(String[]::new)), "metrics"));
    Lakehouse lakehouse = new Lakehouse(lake.toString());
    String engagement = lakehouse.gold(AccountEngagement.TABLE);
    assertThat(TestTables.delta(engagement).count()).isEqualTo(3); // A, B, C
    Row b = TestTables.delta(engagement).filter(col("account_id").equalTo(lit("B"))).first();
    assertThat(b.<Integer>getAs(AccountEngagement.TIME_TO_FIRST_VALUE_DAYS)).isEqualTo(14);
    assertThat(b.<Double>getAs(AccountEngagement.ACTIVE_USAGE_RATE))
        .isCloseTo(2 / 3.0, within(1e-12));

    // Another date adds its rows; the same date again replaces its own.
    sets.set(sets.size() - 2, "cslake.as-of=2024-03-24");
    MetricsJob.run(
        JobContext.create(spark, TestConfigs.of(lake, sets.toArray(String[]::new)), "metrics"));
    sets.set(sets.size() - 2, "cslake.as-of=2024-03-31");
    MetricsJob.run(
        JobContext.create(spark, TestConfigs.of(lake, sets.toArray(String[]::new)), "metrics"));
    Dataset<Row> all = TestTables.delta(engagement);
    assertThat(all.count()).isEqualTo(6);
    assertThat(all.filter(col("as_of_date").equalTo(lit(Date.valueOf("2024-03-24")))).count())
        .isEqualTo(3);

    // Jan..Mar x ALL, smb, enterprise; March, ALL: 7 account-users, 9 user-days over 31 days.
    Dataset<Row> kpi = TestTables.delta(lakehouse.gold("kpi_monthly"));
    assertThat(kpi.count()).isEqualTo(9);
    Row march =
        kpi.filter(
                col("segment")
                    .equalTo(lit("ALL"))
                    .and(col("month").equalTo(lit(Date.valueOf("2024-03-01")))))
            .first();
    assertThat(march.<Long>getAs("mau")).isEqualTo(7);
    assertThat(march.<Double>getAs("dau_mau")).isCloseTo(9 / 31.0 / 7, within(1e-12));
    // Jan: reports x ALL, enterprise; Feb: 2 features x 2; Mar: 4 features x 3 segments.
    assertThat(TestTables.delta(lakehouse.gold(FeatureAdoptionMonthly.TABLE)).count())
        .isEqualTo(2 + 4 + 12);
  }
}
