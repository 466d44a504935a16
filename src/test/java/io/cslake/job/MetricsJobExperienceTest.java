package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.TestTables;
import io.cslake.contract.Source;
import io.cslake.table.Lakehouse;
import io.cslake.transform.experience.AccountExperience;
import io.cslake.transform.experience.ExperienceMonthly;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Date;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@code metrics} with the experience sources of the golden case {@code experience}: kpi_monthly
 * gains their columns (the numbers are worked out in ExperienceGoldenTest), account_experience is
 * written per as-of date, cs_team_kpis per CSM; without surveys and tickets the columns stay, null.
 */
class MetricsJobExperienceTest extends SparkTestBase {
  static final String CASE = "experience";
  static final List<Source> ALL_SOURCES =
      List.of(
          Source.ACCOUNTS,
          Source.SUBSCRIPTIONS,
          Source.SURVEYS,
          Source.SUPPORT_TICKETS,
          Source.MILESTONES,
          Source.REFERRALS,
          Source.CSM_ACTIVITIES);

  private static Lakehouse lake(String name, List<Source> sources) {
    Lakehouse lakehouse = new Lakehouse(newDir(name).toString());
    for (Source source : sources) {
      Frames.golden(spark, CASE, source)
          .write()
          .format("delta")
          .save(lakehouse.silver(source.id()));
    }
    return lakehouse;
  }

  private static MetricsJob.Report run(Lakehouse lakehouse, String asOf) {
    return MetricsJob.run(
        JobContext.create(
            spark, TestConfigs.of(Path.of(lakehouse.root()), "cslake.as-of=" + asOf), "metrics"));
  }

  private static Row kpi(Lakehouse lakehouse, String segment, String month) {
    return TestTables.delta(lakehouse.gold("kpi_monthly"))
        .filter(
            col("segment")
                .equalTo(lit(segment))
                .and(col("month").equalTo(lit(Date.valueOf(month)))))
        .first();
  }

  @Test
  void kpiMonthlyGainsTheExperienceColumnsAndAccountExperienceIsWrittenPerDate() {
    Lakehouse lakehouse = lake("metrics-experience", ALL_SOURCES);

    run(lakehouse, "2024-06-29");
    MetricsJob.Report report = run(lakehouse, "2024-06-30");

    assertThat(report.tables())
        .extracting(MetricsJob.TableResult::name)
        .contains(
            "gold/kpi_monthly",
            "gold/cs_team_kpis",
            "gold/account_experience",
            "gold/feedback_themes");
    Dataset<Row> kpi = TestTables.delta(lakehouse.gold("kpi_monthly"));
    assertThat(kpi.columns()).contains(ExperienceMonthly.COLUMNS.toArray(String[]::new));
    // Revenue months Apr..Jun x ALL, smb, enterprise.
    assertThat(kpi.count()).isEqualTo(9);
    Row jun = kpi(lakehouse, "ALL", "2024-06-01");
    assertThat(jun.<BigDecimal>getAs("mrr")).isEqualByComparingTo("470"); // A 150, C 240, D 80
    assertThat(jun.<Double>getAs("nps")).isCloseTo(-100 / 3.0, within(1e-9));
    assertThat(jun.<Double>getAs("nps_3m")).isCloseTo(10.0, within(1e-9));
    assertThat(jun.<Long>getAs("tickets")).isEqualTo(5);
    assertThat(jun.<Double>getAs("ttfr_p90_hours")).isCloseTo(4.6, within(1e-9));
    assertThat(jun.<Long>getAs("open_backlog")).isEqualTo(4);
    assertThat(jun.<Double>getAs("referral_rate")).isCloseTo(1 / 3.0, within(1e-9));
    assertThat(jun.<Double>getAs("activation_rate")).isEqualTo(0.0);
    assertThat(jun.<Long>getAs("proactive_touches")).isEqualTo(1);

    // One partition per as-of date; re-running 2024-06-30 replaced its rows, kept 2024-06-29's.
    Dataset<Row> perAccount = TestTables.delta(lakehouse.gold(AccountExperience.TABLE));
    assertThat(perAccount.count()).isEqualTo(4 + 4);
    run(lakehouse, "2024-06-30");
    assertThat(TestTables.delta(lakehouse.gold(AccountExperience.TABLE)).count()).isEqualTo(8);
    Row a =
        perAccount
            .filter(
                col("account_id")
                    .equalTo(lit("A"))
                    .and(col("as_of_date").equalTo(lit(Date.valueOf("2024-06-30")))))
            .first();
    assertThat(a.<Long>getAs(AccountExperience.OPEN_TICKETS)).isEqualTo(1);
    assertThat(TestTables.delta(lakehouse.gold("cs_team_kpis")).count()).isEqualTo(5);
  }

  @Test
  void withoutSurveysAndTicketsTheirColumnsStayAndAreNull() {
    Lakehouse lakehouse =
        lake("metrics-no-voice", List.of(Source.ACCOUNTS, Source.SUBSCRIPTIONS, Source.REFERRALS));

    MetricsJob.Report report = run(lakehouse, "2024-06-30");

    assertThat(report.skipped())
        .containsExactly(
            "gold/account_engagement (no silver user_activity_daily (usage events))",
            "gold/feature_adoption_monthly (no silver user_activity_daily (usage events))",
            "gold/feedback_themes (no silver surveys)");
    Dataset<Row> kpi = TestTables.delta(lakehouse.gold("kpi_monthly"));
    assertThat(kpi.columns()).contains(ExperienceMonthly.COLUMNS.toArray(String[]::new));
    assertThat(kpi.count()).isEqualTo(9);
    for (String column :
        List.of("nps", "nps_responses", "csat", "tickets", "ttr_median_hours", "open_backlog")) {
      assertThat(kpi.filter(col(column).isNotNull()).count()).as(column).isZero();
    }
    Row jun = kpi(lakehouse, "ALL", "2024-06-01");
    assertThat(jun.<BigDecimal>getAs("mrr")).isEqualByComparingTo("470");
    // Opening 600 (A 100, B 200, C 300); B churns 200, C contracts 60.
    assertThat(jun.<Double>getAs("grr")).isCloseTo((600 - 260) / 600.0, within(1e-9));
    assertThat(jun.<Double>getAs("referral_rate")).isCloseTo(1 / 3.0, within(1e-9));
    assertThat(TestTables.delta(lakehouse.gold(AccountExperience.TABLE)).count()).isEqualTo(4);
  }
}
