package io.cslake.transform.experience;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import io.cslake.transform.health.HealthScore;
import io.cslake.transform.revenue.AccountMonthMrr;
import io.cslake.transform.revenue.MrrMovements;
import java.math.BigDecimal;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The experience metrics on the hand-worked golden case {@code
 * src/test/resources/golden/experience} (its README describes each row), as of 2024-06-30 with the
 * default 180-day NPS window and 30 activation days. Every expected number is worked out in the
 * comment next to it.
 */
class ExperienceGoldenTest extends SparkTestBase {
  static final String CASE = "experience";
  static final LocalDate AS_OF = LocalDate.parse("2024-06-30");
  static final double EPS = 1e-9;

  static ExperienceInputs inputs;
  static Dataset<Row> accountMonths;
  static Map<String, Row> monthly;
  static Map<String, Row> accounts;

  static ExperienceInputs inputs(Dataset<Row> accountMonths) {
    return new ExperienceInputs(
        Frames.golden(spark, CASE, Source.ACCOUNTS),
        Optional.of(Frames.golden(spark, CASE, Source.SURVEYS)),
        Optional.of(Frames.golden(spark, CASE, Source.SUPPORT_TICKETS)),
        Optional.of(Frames.golden(spark, CASE, Source.MILESTONES)),
        Optional.of(Frames.golden(spark, CASE, Source.REFERRALS)),
        Optional.of(Frames.golden(spark, CASE, Source.CSM_ACTIVITIES)),
        Optional.of(Frames.golden(spark, CASE, Source.SUBSCRIPTIONS)),
        Optional.of(accountMonths));
  }

  /** Months March..June 2024 for ALL, smb and enterprise. */
  static Dataset<Row> grid() {
    List<Row> rows = new ArrayList<>();
    for (String segment : List.of("ALL", "smb", "enterprise")) {
      for (int m = 3; m <= 6; m++) {
        rows.add(RowFactory.create(Date.valueOf(LocalDate.of(2024, m, 1)), segment));
      }
    }
    StructType schema =
        new StructType().add("month", DataTypes.DateType).add("segment", DataTypes.StringType);
    return spark.createDataFrame(rows, schema);
  }

  static Dataset<Row> dates(String... days) {
    List<Row> rows = new ArrayList<>();
    for (String d : days) {
      rows.add(RowFactory.create(Date.valueOf(d)));
    }
    return spark.createDataFrame(
        rows, new StructType().add(AccountExperience.AS_OF_DATE, DataTypes.DateType));
  }

  @BeforeAll
  static void compute() {
    Dataset<Row> fx = spark.createDataFrame(List.of(), Frames.contractSchema(Source.FX_RATES));
    accountMonths =
        AccountMonthMrr.compute(Frames.golden(spark, CASE, Source.SUBSCRIPTIONS), fx, "USD", AS_OF)
            .cache();
    inputs = inputs(accountMonths);
    monthly = new HashMap<>();
    for (Row r :
        ExperienceMonthly.attach(grid(), inputs, new ExperienceMonthly.Settings(30), AS_OF)
            .collectAsList()) {
      monthly.put(r.getAs("segment") + " " + r.getAs("month"), r);
    }
    accounts = new HashMap<>();
    for (Row r :
        AccountExperience.compute(
                dates(AS_OF.toString()), inputs, new AccountExperience.Settings(180))
            .collectAsList()) {
      accounts.put(r.getAs(AccountExperience.ACCOUNT_ID), r);
    }
  }

  static Row month(String segment, String month) {
    Row r = monthly.get(segment + " " + month);
    assertThat(r).as("%s %s", segment, month).isNotNull();
    return r;
  }

  static Double dbl(Row r, String column) {
    return r.isNullAt(r.fieldIndex(column)) ? null : ((Number) r.getAs(column)).doubleValue();
  }

  static Long lng(Row r, String column) {
    return r.isNullAt(r.fieldIndex(column)) ? null : ((Number) r.getAs(column)).longValue();
  }

  @Test
  void npsCountsSixAsDetractorSevenEightAsPassiveNineTenAsPromoter() {
    // April: 6 (D), 7 (P), 9 (Pr), 10 (Pr), 9 (Pr): 100 x (3 - 1) / 5 = 40.
    Row apr = month("ALL", "2024-04-01");
    assertThat(dbl(apr, ExperienceMonthly.NPS)).isCloseTo(40.0, within(EPS));
    assertThat(lng(apr, ExperienceMonthly.NPS_RESPONSES)).isEqualTo(5);
    // smb April: 6, 7, 9, 10 -> 100 x (2 - 1) / 4 = 25; enterprise: 9 -> 100.
    assertThat(dbl(month("smb", "2024-04-01"), ExperienceMonthly.NPS)).isCloseTo(25.0, within(EPS));
    assertThat(dbl(month("enterprise", "2024-04-01"), ExperienceMonthly.NPS))
        .isCloseTo(100.0, within(EPS));
    // May: only passives (7, 8) -> 0, not null.
    Row may = month("ALL", "2024-05-01");
    assertThat(dbl(may, ExperienceMonthly.NPS)).isEqualTo(0.0);
    assertThat(lng(may, ExperienceMonthly.NPS_RESPONSES)).isEqualTo(2);
    // June: 9 (Pr), and two anonymous responses 3 and 6 (D, D): 100 x (1 - 2) / 3.
    Row jun = month("ALL", "2024-06-01");
    assertThat(dbl(jun, ExperienceMonthly.NPS)).isCloseTo(-100 / 3.0, within(EPS));
    assertThat(lng(jun, ExperienceMonthly.NPS_RESPONSES)).isEqualTo(3);
    assertThat(dbl(month("enterprise", "2024-06-01"), ExperienceMonthly.NPS))
        .isCloseTo(-100.0, within(EPS));
  }

  @Test
  void aMonthWithoutResponsesOrTicketsIsNullNotNaN() {
    // March: no NPS response, no ticket; enterprise May: no NPS response.
    Row mar = month("ALL", "2024-03-01");
    assertThat(dbl(mar, ExperienceMonthly.NPS)).isNull();
    assertThat(lng(mar, ExperienceMonthly.NPS_RESPONSES)).isZero();
    assertThat(lng(mar, ExperienceMonthly.TICKETS)).isZero();
    assertThat(dbl(mar, ExperienceMonthly.TTFR_MEDIAN_HOURS)).isNull();
    assertThat(dbl(mar, ExperienceMonthly.TTR_P90_HOURS)).isNull();
    assertThat(dbl(mar, ExperienceMonthly.SUPPORT_CSAT)).isNull();
    assertThat(dbl(mar, ExperienceMonthly.ACTIVATION_RATE)).isNull(); // no account starts
    assertThat(dbl(mar, ExperienceMonthly.NPS + "_3m")).isNull(); // nothing before either
    Row entMay = month("enterprise", "2024-05-01");
    assertThat(dbl(entMay, ExperienceMonthly.NPS)).isNull();
    assertThat(lng(entMay, ExperienceMonthly.NPS_RESPONSES)).isZero();
    // May has no CSAT survey at all.
    Row may = month("ALL", "2024-05-01");
    assertThat(dbl(may, ExperienceMonthly.CSAT)).isNull();
    assertThat(dbl(may, ExperienceMonthly.CSAT_MEAN)).isNull();
    assertThat(lng(may, ExperienceMonthly.CSAT_RESPONSES)).isZero();
  }

  @Test
  void csatIsTheTopTwoBoxShareWithTheMean() {
    // March: one 2 -> 0 %, mean 2.
    Row mar = month("ALL", "2024-03-01");
    assertThat(dbl(mar, ExperienceMonthly.CSAT)).isEqualTo(0.0);
    assertThat(dbl(mar, ExperienceMonthly.CSAT_MEAN)).isCloseTo(2.0, within(EPS));
    // April: 5, 4, 3, 1 -> 2 of 4 = 50 %, mean 13 / 4.
    Row apr = month("ALL", "2024-04-01");
    assertThat(dbl(apr, ExperienceMonthly.CSAT)).isCloseTo(50.0, within(EPS));
    assertThat(dbl(apr, ExperienceMonthly.CSAT_MEAN)).isCloseTo(3.25, within(EPS));
    assertThat(lng(apr, ExperienceMonthly.CSAT_RESPONSES)).isEqualTo(4);
    // smb April: 5, 4, 3 -> 2 of 3.
    assertThat(dbl(month("smb", "2024-04-01"), ExperienceMonthly.CSAT))
        .isCloseTo(200 / 3.0, within(EPS));
    // June: 2, 4 -> 50 %, mean 3.
    Row jun = month("ALL", "2024-06-01");
    assertThat(dbl(jun, ExperienceMonthly.CSAT)).isCloseTo(50.0, within(EPS));
    assertThat(dbl(jun, ExperienceMonthly.CSAT_MEAN)).isCloseTo(3.0, within(EPS));
  }

  @Test
  void trailingThreeMonthValuesPoolTheResponses() {
    Row jun = month("ALL", "2024-06-01");
    // NPS Apr..Jun pooled: promoters 3 + 0 + 1, detractors 1 + 0 + 2, responses 5 + 2 + 3.
    assertThat(dbl(jun, ExperienceMonthly.NPS + "_3m")).isCloseTo(10.0, within(EPS));
    // enterprise: promoters 1 + 0 + 0, detractors 0 + 0 + 2 over 1 + 0 + 2 responses.
    assertThat(dbl(month("enterprise", "2024-06-01"), ExperienceMonthly.NPS + "_3m"))
        .isCloseTo(-100 / 3.0, within(EPS));
    // CSAT Apr..Jun: top-2 2 + 0 + 1 of 4 + 0 + 2; mean (13 + 6) / 6.
    assertThat(dbl(jun, ExperienceMonthly.CSAT + "_3m")).isCloseTo(50.0, within(EPS));
    assertThat(dbl(jun, ExperienceMonthly.CSAT_MEAN + "_3m")).isCloseTo(19 / 6.0, within(EPS));
    // Support CSAT May..Jun: 2 of 3 rated (5, 4, 2), then 0 of 1 (3).
    assertThat(dbl(jun, ExperienceMonthly.SUPPORT_CSAT + "_3m")).isCloseTo(50.0, within(EPS));
    // Referral rate Apr..Jun: (1 + 0 + 1) referring active accounts / (2 + 3 + 3) active.
    assertThat(dbl(jun, ExperienceMonthly.REFERRAL_RATE + "_3m")).isCloseTo(0.25, within(EPS));
    // Activation Apr..Jun: (1 + 1 + 0) activated in time / (2 + 1 + 1) starts.
    assertThat(dbl(jun, ExperienceMonthly.ACTIVATION_RATE + "_3m")).isCloseTo(0.5, within(EPS));
  }

  @Test
  void supportMediansAndP90AreExactOverAnsweredAndResolvedTickets() {
    // May: TTFR 1, 2, 4, 8 h -> median (2 + 4) / 2 = 3; p90 at rank 0.9 x 3 = 2.7: 4 + 0.7 x 4.
    Row may = month("ALL", "2024-05-01");
    assertThat(lng(may, ExperienceMonthly.TICKETS)).isEqualTo(4);
    assertThat(dbl(may, ExperienceMonthly.TTFR_MEDIAN_HOURS)).isCloseTo(3.0, within(EPS));
    assertThat(dbl(may, ExperienceMonthly.TTFR_P90_HOURS)).isCloseTo(6.8, within(EPS));
    // TTR 10, 20, 30, 100 h -> median 25; p90 30 + 0.7 x 70 = 79.
    assertThat(dbl(may, ExperienceMonthly.TTR_MEDIAN_HOURS)).isCloseTo(25.0, within(EPS));
    assertThat(dbl(may, ExperienceMonthly.TTR_P90_HOURS)).isCloseTo(79.0, within(EPS));
    assertThat(lng(may, ExperienceMonthly.ESCALATIONS)).isEqualTo(2); // T1, T4
    assertThat(lng(may, ExperienceMonthly.BUG_REPORTS)).isEqualTo(1); // T1
    assertThat(lng(may, ExperienceMonthly.ENHANCEMENT_REQUESTS)).isEqualTo(1); // T2
    // Support CSAT: 5, 4, 2 -> 2 of 3; T4 is unrated.
    assertThat(dbl(may, ExperienceMonthly.SUPPORT_CSAT)).isCloseTo(200 / 3.0, within(EPS));
    assertThat(lng(may, ExperienceMonthly.SUPPORT_CSAT_RESPONSES)).isEqualTo(3);

    // June: T5, T6, T7, T9, T10 (T8 is after the as-of date). T5 and T7 are never answered:
    // TTFR over T9 1 h, T6 3 h, T10 5 h -> median 3, p90 at rank 1.8: 3 + 0.8 x 2 = 4.6.
    Row jun = month("ALL", "2024-06-01");
    assertThat(lng(jun, ExperienceMonthly.TICKETS)).isEqualTo(5);
    assertThat(dbl(jun, ExperienceMonthly.TTFR_MEDIAN_HOURS)).isCloseTo(3.0, within(EPS));
    assertThat(dbl(jun, ExperienceMonthly.TTFR_P90_HOURS)).isCloseTo(4.6, within(EPS));
    // Only T9 is resolved by the end of the as-of date (T10 on July 1st): 24 h.
    assertThat(dbl(jun, ExperienceMonthly.TTR_MEDIAN_HOURS)).isCloseTo(24.0, within(EPS));
    assertThat(dbl(jun, ExperienceMonthly.TTR_P90_HOURS)).isCloseTo(24.0, within(EPS));
    assertThat(lng(jun, ExperienceMonthly.ESCALATIONS)).isEqualTo(1); // T10
    // Tickets per active account: June 5 / 3 (A, C, D); May 4 / 3 (A, B, C).
    assertThat(dbl(jun, ExperienceMonthly.TICKETS_PER_ACCOUNT)).isCloseTo(5 / 3.0, within(EPS));
    assertThat(dbl(may, ExperienceMonthly.TICKETS_PER_ACCOUNT)).isCloseTo(4 / 3.0, within(EPS));
    assertThat(dbl(jun, ExperienceMonthly.SUPPORT_CSAT)).isEqualTo(0.0); // T9 rated 3
  }

  @Test
  void backlogCountsTicketsOpenAtMonthEndOrAtTheAsOfDate() {
    // Every May ticket is resolved in May; none before May.
    assertThat(lng(month("ALL", "2024-03-01"), ExperienceMonthly.OPEN_BACKLOG)).isZero();
    assertThat(lng(month("ALL", "2024-05-01"), ExperienceMonthly.OPEN_BACKLOG)).isZero();
    // At 2024-06-30: T5 (never answered), T6 (unresolved), T7 (created on the as-of day) and T10
    // (resolved on July 1st) are open; T9 resolved at 23:59 on the as-of day is not; T8 does not
    // exist yet.
    assertThat(lng(month("ALL", "2024-06-01"), ExperienceMonthly.OPEN_BACKLOG)).isEqualTo(4);
    assertThat(lng(month("enterprise", "2024-06-01"), ExperienceMonthly.OPEN_BACKLOG)).isEqualTo(2);
  }

  @Test
  void activationCountsAccountsActivatedWithinThirtyDaysOfTheirStart() {
    // April starts: A (subscription Apr 1, activated Apr 25: 24 days) and B (kickoff Apr 5 before
    // its subscription of Apr 10; activated May 6: 31 days from the kickoff) -> 1 / 2.
    assertThat(dbl(month("ALL", "2024-04-01"), ExperienceMonthly.ACTIVATION_RATE))
        .isCloseTo(0.5, within(EPS));
    // May: C starts May 15, activated Jun 14: exactly 30 days, inside -> 1 / 1.
    assertThat(dbl(month("ALL", "2024-05-01"), ExperienceMonthly.ACTIVATION_RATE)).isEqualTo(1.0);
    // June: D starts Jun 20 with no milestone -> 0 / 1.
    assertThat(dbl(month("ALL", "2024-06-01"), ExperienceMonthly.ACTIVATION_RATE)).isEqualTo(0.0);
    // Onboarding days by completion month: May A 40 (Apr 1 -> May 11); June B 60 (Apr 5 -> Jun 4)
    // and C 40 (May 15 -> Jun 24) -> median 50.
    assertThat(dbl(month("ALL", "2024-05-01"), ExperienceMonthly.ONBOARDING_DAYS_MEDIAN))
        .isCloseTo(40.0, within(EPS));
    assertThat(dbl(month("ALL", "2024-06-01"), ExperienceMonthly.ONBOARDING_DAYS_MEDIAN))
        .isCloseTo(50.0, within(EPS));
    assertThat(dbl(month("smb", "2024-06-01"), ExperienceMonthly.ONBOARDING_DAYS_MEDIAN))
        .isCloseTo(60.0, within(EPS));
  }

  @Test
  void referralRateIsReferringActiveAccountsOverActiveAccounts() {
    // April: A refers twice (counted once), active A and B -> 1 / 2; 2 referrals.
    Row apr = month("ALL", "2024-04-01");
    assertThat(dbl(apr, ExperienceMonthly.REFERRAL_RATE)).isCloseTo(0.5, within(EPS));
    assertThat(lng(apr, ExperienceMonthly.REFERRALS)).isEqualTo(2);
    assertThat(lng(apr, ExperienceMonthly.REFERRAL_CONVERSIONS)).isZero();
    // May: no referral among A, B, C; R1 converts.
    Row may = month("ALL", "2024-05-01");
    assertThat(dbl(may, ExperienceMonthly.REFERRAL_RATE)).isEqualTo(0.0);
    assertThat(lng(may, ExperienceMonthly.REFERRAL_CONVERSIONS)).isEqualTo(1);
    // June: B (churned, MRR 0) and C refer; active A, C, D -> 1 / 3; 2 referrals, R4 converts.
    Row jun = month("ALL", "2024-06-01");
    assertThat(dbl(jun, ExperienceMonthly.REFERRAL_RATE)).isCloseTo(1 / 3.0, within(EPS));
    assertThat(lng(jun, ExperienceMonthly.REFERRALS)).isEqualTo(2);
    assertThat(lng(jun, ExperienceMonthly.REFERRAL_CONVERSIONS)).isEqualTo(1);
    // March: nobody active -> null.
    assertThat(dbl(month("ALL", "2024-03-01"), ExperienceMonthly.REFERRAL_RATE)).isNull();
  }

  @Test
  void csmTouchesCountEveryActivityAndTheProactiveOnes() {
    assertThat(lng(month("ALL", "2024-03-01"), ExperienceMonthly.CSM_TOUCHES)).isEqualTo(1);
    assertThat(lng(month("ALL", "2024-03-01"), ExperienceMonthly.PROACTIVE_TOUCHES)).isZero();
    assertThat(lng(month("ALL", "2024-06-01"), ExperienceMonthly.CSM_TOUCHES)).isEqualTo(2);
    assertThat(lng(month("ALL", "2024-06-01"), ExperienceMonthly.PROACTIVE_TOUCHES)).isEqualTo(1);
  }

  @Test
  void accountNpsTakesEachUsersLatestResponseInsideTheWindow() {
    // A: window (2024-01-02, 2024-06-30]. u1 Apr 6 (its Dec 10 is outside), u2 Jun 9 (over Apr 7),
    // u3 Apr 9; u6's only response (Dec 15, 0) is outside -> 100 x (2 - 1) / 3.
    Row a = accounts.get("A");
    assertThat(dbl(a, AccountExperience.NPS)).isCloseTo(100 / 3.0, within(EPS));
    assertThat(lng(a, AccountExperience.NPS_RESPONDENTS)).isEqualTo(3);
    assertThat(lng(a, AccountExperience.NPS_DETRACTORS)).isEqualTo(1);
    assertThat(dbl(a, AccountExperience.LAST_NPS)).isEqualTo(9.0);
    // Three months earlier (window (2023-10-02, 2024-03-30]): u1 10, u6 0 -> 0; change +33.3.
    assertThat(dbl(a, AccountExperience.NPS_CHANGE)).isCloseTo(100 / 3.0, within(EPS));
    // B: u4's latest is May 7 (over Apr 10), u7 8: passives only -> 0; nothing before -> no change.
    Row b = accounts.get("B");
    assertThat(dbl(b, AccountExperience.NPS)).isEqualTo(0.0);
    assertThat(dbl(b, AccountExperience.LAST_NPS)).isEqualTo(8.0);
    assertThat(dbl(b, AccountExperience.NPS_CHANGE)).isNull();
    // C: u5 9 and two responses without a user (3, 6), each its own respondent -> -33.3.
    Row c = accounts.get("C");
    assertThat(lng(c, AccountExperience.NPS_RESPONDENTS)).isEqualTo(3);
    assertThat(dbl(c, AccountExperience.NPS)).isCloseTo(-100 / 3.0, within(EPS));
    assertThat(dbl(c, AccountExperience.LAST_NPS)).isEqualTo(6.0);
    // D: no response -> null NPS, 0 respondents.
    Row d = accounts.get("D");
    assertThat(dbl(d, AccountExperience.NPS)).isNull();
    assertThat(lng(d, AccountExperience.NPS_RESPONDENTS)).isZero();
  }

  @Test
  void accountCsatMeanAndTrendOverNinetyDays() {
    // A: last 90 days (Apr 1 excluded .. Jun 30): 5, 4 -> 4.5; the 90 days before: 2 -> +2.5.
    Row a = accounts.get("A");
    assertThat(dbl(a, AccountExperience.CSAT_MEAN_90D)).isCloseTo(4.5, within(EPS));
    assertThat(dbl(a, AccountExperience.CSAT_TREND_90D)).isCloseTo(2.5, within(EPS));
    // C: 1, 2, 4 -> 7 / 3; nothing before -> no trend.
    Row c = accounts.get("C");
    assertThat(dbl(c, AccountExperience.CSAT_MEAN_90D)).isCloseTo(7 / 3.0, within(EPS));
    assertThat(dbl(c, AccountExperience.CSAT_TREND_90D)).isNull();
  }

  @Test
  void accountSupportValuesAsOfTheDate() {
    // A: T1, T2, T7 in the 90 days (T8 is later); T1 escalated bug; TTR 10, 20 -> 15; T7 open.
    Row a = accounts.get("A");
    assertThat(lng(a, AccountExperience.TICKETS_90D)).isEqualTo(3);
    assertThat(lng(a, AccountExperience.ESCALATIONS_90D)).isEqualTo(1);
    assertThat(lng(a, AccountExperience.BUG_REPORTS_90D)).isEqualTo(1);
    assertThat(dbl(a, AccountExperience.TTR_MEDIAN_HOURS_90D)).isCloseTo(15.0, within(EPS));
    assertThat(lng(a, AccountExperience.OPEN_TICKETS)).isEqualTo(1);
    // B: T3 30 h, T9 24 h -> 27; T6 open, T9 resolved on the as-of day.
    Row b = accounts.get("B");
    assertThat(dbl(b, AccountExperience.TTR_MEDIAN_HOURS_90D)).isCloseTo(27.0, within(EPS));
    assertThat(lng(b, AccountExperience.OPEN_TICKETS)).isEqualTo(1);
    // C: T4 100 h (T10 resolved after the date); T5 and T10 open; T4 and T10 escalated.
    Row c = accounts.get("C");
    assertThat(dbl(c, AccountExperience.TTR_MEDIAN_HOURS_90D)).isCloseTo(100.0, within(EPS));
    assertThat(lng(c, AccountExperience.OPEN_TICKETS)).isEqualTo(2);
    assertThat(lng(c, AccountExperience.ESCALATIONS_90D)).isEqualTo(2);
    // D: no ticket -> 0 and null.
    Row d = accounts.get("D");
    assertThat(lng(d, AccountExperience.TICKETS_90D)).isZero();
    assertThat(dbl(d, AccountExperience.TTR_MEDIAN_HOURS_90D)).isNull();
    assertThat(lng(d, AccountExperience.OPEN_TICKETS)).isZero();
  }

  @Test
  void accountOnboardingReferralsAndTouchesAsOfTheDate() {
    Row a = accounts.get("A");
    assertThat(a.<Boolean>getAs(AccountExperience.ACTIVATED)).isTrue();
    assertThat(lng(a, AccountExperience.ONBOARDING_DAYS)).isEqualTo(40);
    assertThat(lng(a, AccountExperience.REFERRALS)).isEqualTo(2);
    assertThat(lng(a, AccountExperience.REFERRAL_CONVERSIONS)).isEqualTo(1);
    // Last touch Jun 20 -> 10 days; proactive in (Apr 1, Jun 30]: Apr 2.
    assertThat(lng(a, AccountExperience.DAYS_SINCE_LAST_TOUCH)).isEqualTo(10);
    assertThat(lng(a, AccountExperience.PROACTIVE_TOUCHES_90D)).isEqualTo(1);
    Row b = accounts.get("B");
    assertThat(lng(b, AccountExperience.ONBOARDING_DAYS)).isEqualTo(60); // from the kickoff
    assertThat(lng(b, AccountExperience.DAYS_SINCE_LAST_TOUCH)).isEqualTo(2);
    assertThat(lng(b, AccountExperience.PROACTIVE_TOUCHES_90D)).isEqualTo(2);
    // C: last touch Mar 15 -> 16 + 30 + 31 + 30 = 107 days; not proactive.
    Row c = accounts.get("C");
    assertThat(lng(c, AccountExperience.DAYS_SINCE_LAST_TOUCH)).isEqualTo(107);
    assertThat(lng(c, AccountExperience.PROACTIVE_TOUCHES_90D)).isZero();
    // D: no milestone -> not activated; never touched.
    Row d = accounts.get("D");
    assertThat(d.<Boolean>getAs(AccountExperience.ACTIVATED)).isFalse();
    assertThat(lng(d, AccountExperience.ONBOARDING_DAYS)).isNull();
    assertThat(lng(d, AccountExperience.DAYS_SINCE_LAST_TOUCH)).isNull();
  }

  @Test
  void accountValuesAtEarlierDatesSeeOnlyWhatHadHappened() {
    Map<String, Row> rows = new HashMap<>();
    for (Row r :
        AccountExperience.compute(
                dates("2024-06-01", "2024-06-29"), inputs, new AccountExperience.Settings(180))
            .collectAsList()) {
      rows.put(
          r.getAs(AccountExperience.ACCOUNT_ID) + " " + r.getAs(AccountExperience.AS_OF_DATE), r);
    }
    // D was created on 2024-06-15: no row on 2024-06-01. 3 + 4 rows.
    assertThat(rows).hasSize(7).doesNotContainKey("D 2024-06-01");
    // A on 2024-06-01: window (2023-12-04, 2024-06-01] now holds u6's 0 and not u2's June 9:
    // u6 0 (D), u1 6 (D), u2 7, u3 9 (P) -> 100 x (1 - 2) / 4.
    Row a = rows.get("A 2024-06-01");
    assertThat(dbl(a, AccountExperience.NPS)).isCloseTo(-25.0, within(EPS));
    assertThat(a.<Boolean>getAs(AccountExperience.ACTIVATED)).isTrue();
    // B on 2024-06-29: T6 and T9 (created 23:59 that day, resolved the next day) are open.
    assertThat(lng(rows.get("B 2024-06-29"), AccountExperience.OPEN_TICKETS)).isEqualTo(2);
    // C on 2024-06-01: not yet activated (Jun 14).
    assertThat(rows.get("C 2024-06-01").<Boolean>getAs(AccountExperience.ACTIVATED)).isFalse();
  }

  @Test
  void severalAsOfDatesAtOnceEqualEachDateAlone() {
    String[] days = {"2024-03-31", "2024-06-01", "2024-06-29", "2024-06-30"};
    AccountExperience.Settings settings = new AccountExperience.Settings(180);
    Dataset<Row> together = AccountExperience.compute(dates(days), inputs, settings);
    Dataset<Row> alone = null;
    for (String day : days) {
      Dataset<Row> one = AccountExperience.compute(dates(day), inputs, settings);
      alone = alone == null ? one : alone.unionByName(one);
    }
    assertThat(together.count()).isEqualTo(3 + 3 + 4 + 4);
    Frames.assertSameRows(together, alone, 1e-9);
  }

  /** account_health rows (account_id, as_of_date, health_score): "A 2024-05-31 70", ... */
  private Dataset<Row> health(String... rows) {
    List<Row> out = new ArrayList<>();
    for (String row : rows) {
      String[] p = row.split(" ");
      out.add(RowFactory.create(p[0], Date.valueOf(p[1]), Double.parseDouble(p[2])));
    }
    return spark.createDataFrame(
        out,
        new StructType()
            .add(HealthScore.ACCOUNT_ID, DataTypes.StringType)
            .add(HealthScore.AS_OF_DATE, DataTypes.DateType)
            .add(HealthScore.HEALTH_SCORE, DataTypes.DoubleType));
  }

  @Test
  void csTeamBooksHaveTheirOwnRetention() {
    Dataset<Row> movements = MrrMovements.compute(accountMonths);
    // Two snapshots in May: only the later one (May 31, without B) counts. D has no CSM.
    Dataset<Row> health =
        health(
            "A 2024-04-30 55",
            "A 2024-05-15 60",
            "B 2024-05-15 40",
            "C 2024-05-15 80",
            "A 2024-05-31 70",
            "C 2024-05-31 90",
            "D 2024-05-31 10",
            "A 2024-06-20 50",
            "B 2024-06-20 30",
            "C 2024-06-20 20",
            "D 2024-06-20 99");
    Map<String, Row> team = new HashMap<>();
    for (Row r :
        CsTeamKpis.compute(
                movements,
                inputs.accounts(),
                inputs.supportTickets(),
                inputs.csmActivities(),
                Optional.of(health),
                new CsTeamKpis.Settings(Optional.of(1000.0)),
                AS_OF)
            .collectAsList()) {
      team.put(r.getAs(CsTeamKpis.CSM_ID) + " " + r.getAs(CsTeamKpis.MONTH), r);
    }
    // c1 (A, B): Apr, May, Jun; c2 (C): May, Jun; D has no CSM.
    assertThat(team).hasSize(5);
    // c1 June: opening 100 + 200; B churns 200, A expands 50 -> GRR 100 / 300, NRR 150 / 300,
    // logo churn 1 / 2; MRR 150 from A alone.
    Row c1Jun = team.get("c1 2024-06-01");
    assertThat(c1Jun.<BigDecimal>getAs(CsTeamKpis.MRR)).isEqualByComparingTo("150");
    assertThat(lng(c1Jun, CsTeamKpis.ACCOUNTS)).isEqualTo(1);
    assertThat(dbl(c1Jun, CsTeamKpis.GRR)).isCloseTo(1 / 3.0, within(EPS));
    assertThat(dbl(c1Jun, CsTeamKpis.NRR)).isCloseTo(0.5, within(EPS));
    assertThat(dbl(c1Jun, CsTeamKpis.LOGO_CHURN_RATE)).isCloseTo(0.5, within(EPS));
    // Proactive: B's Jun 28 call over 1 active account; resolution: T9 24 h (T6, T7 open).
    assertThat(dbl(c1Jun, CsTeamKpis.PROACTIVE_TOUCHES_PER_ACCOUNT)).isEqualTo(1.0);
    assertThat(dbl(c1Jun, CsTeamKpis.TTR_MEDIAN_HOURS)).isCloseTo(24.0, within(EPS));
    assertThat(dbl(c1Jun, CsTeamKpis.MRR_PER_CS_COST)).isCloseTo(0.15, within(EPS));
    // Mean health: June's snapshot (Jun 20) A 50, B 30 -> 40; May's latest (May 31) A alone.
    assertThat(dbl(c1Jun, CsTeamKpis.MEAN_HEALTH)).isCloseTo(40.0, within(EPS));
    assertThat(dbl(team.get("c1 2024-05-01"), CsTeamKpis.MEAN_HEALTH)).isCloseTo(70, within(EPS));
    assertThat(dbl(team.get("c1 2024-04-01"), CsTeamKpis.MEAN_HEALTH)).isCloseTo(55, within(EPS));
    assertThat(dbl(team.get("c2 2024-05-01"), CsTeamKpis.MEAN_HEALTH)).isCloseTo(90, within(EPS));
    assertThat(dbl(team.get("c2 2024-06-01"), CsTeamKpis.MEAN_HEALTH)).isCloseTo(20, within(EPS));
    // Snapshots after the as-of date do not count: as of Jun 15, June has none.
    assertThat(
            CsTeamKpis.meanHealth(health, inputs.accounts(), LocalDate.parse("2024-06-15"))
                .collectAsList())
        .extracting(r -> r.getString(0) + " " + r.get(1) + " " + r.getDouble(2))
        .containsExactlyInAnyOrder(
            "c1 2024-04-01 55.0", "c1 2024-05-01 70.0", "c2 2024-05-01 90.0");
    // c1 May: no movement -> GRR = NRR = 1; proactive 1 (B, May 5) / 2; TTR 10, 20, 30 -> 20.
    Row c1May = team.get("c1 2024-05-01");
    assertThat(dbl(c1May, CsTeamKpis.GRR)).isEqualTo(1.0);
    assertThat(dbl(c1May, CsTeamKpis.NRR)).isEqualTo(1.0);
    assertThat(dbl(c1May, CsTeamKpis.PROACTIVE_TOUCHES_PER_ACCOUNT)).isCloseTo(0.5, within(EPS));
    assertThat(dbl(c1May, CsTeamKpis.TTR_MEDIAN_HOURS)).isCloseTo(20.0, within(EPS));
    // c1 April: nothing active before -> null rates, not NaN.
    Row c1Apr = team.get("c1 2024-04-01");
    assertThat(dbl(c1Apr, CsTeamKpis.GRR)).isNull();
    assertThat(dbl(c1Apr, CsTeamKpis.LOGO_CHURN_RATE)).isNull();
    // c2 June: C contracts 300 -> 240: GRR = NRR = 0.8; T10 resolved after the date -> null TTR.
    Row c2Jun = team.get("c2 2024-06-01");
    assertThat(dbl(c2Jun, CsTeamKpis.GRR)).isCloseTo(0.8, within(EPS));
    assertThat(dbl(c2Jun, CsTeamKpis.NRR)).isCloseTo(0.8, within(EPS));
    assertThat(dbl(c2Jun, CsTeamKpis.TTR_MEDIAN_HOURS)).isNull();
    assertThat(lng(c2Jun, CsTeamKpis.PROACTIVE_TOUCHES)).isZero();
  }

  @Test
  void absentSourcesLeaveTheirColumnsNull() {
    ExperienceInputs none =
        new ExperienceInputs(
            inputs.accounts(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty());
    Dataset<Row> rows =
        ExperienceMonthly.attach(grid(), none, new ExperienceMonthly.Settings(30), AS_OF);
    assertThat(rows.columns()).containsSubsequence("month", "segment", "nps", "proactive_touches");
    assertThat(rows.columns()).contains(ExperienceMonthly.COLUMNS.toArray(String[]::new));
    assertThat(rows.columns()).hasSize(2 + ExperienceMonthly.COLUMNS.size());
    for (String column : ExperienceMonthly.COLUMNS) {
      assertThat(rows.filter(col(column).isNotNull()).count()).as(column).isZero();
    }
    Dataset<Row> perAccount =
        AccountExperience.compute(dates("2024-06-30"), none, new AccountExperience.Settings(180));
    assertThat(perAccount.count()).isEqualTo(4);
    assertThat(perAccount.filter(col(AccountExperience.OPEN_TICKETS).isNotNull()).count()).isZero();
    assertThat(perAccount.schema())
        .isEqualTo(
            AccountExperience.compute(
                    dates("2024-06-30"), inputs, new AccountExperience.Settings(180))
                .schema());
    assertThat(lit(1)).isNotNull();
  }

  /**
   * Responses without a comment are left out, whatever order Spark evaluates the filter in. Read
   * from files, Spark adds the filter it infers from the tokens' explode (non-empty tokens) to the
   * null check; with generated expressions outside whole-stage code (as when a stage falls back),
   * the tokenizer shared by both conjuncts was evaluated once up front, on null comments too: a
   * NullPointerException in RegexTokenizer that failed {@code metrics}.
   */
  @Test
  void feedbackThemesIgnoreResponsesWithoutAComment() {
    Dataset<Row> surveys = Frames.golden(spark, CASE, Source.SURVEYS);
    String path = newDir("surveys-without-comments").resolve("surveys").toString();
    surveys
        .unionByName(surveys.withColumn("comment", lit(null).cast(DataTypes.StringType)))
        .write()
        .parquet(path);
    String factory = "spark.sql.codegen.factoryMode";
    String interpreted = spark.conf().get(factory);
    spark.conf().set(factory, "FALLBACK");
    try {
      Frames.assertSameRows(
          FeedbackThemes.compute(spark.read().parquet(path), 2),
          FeedbackThemes.compute(surveys, 2),
          1e-12);
    } finally {
      spark.conf().set(factory, interpreted);
    }
  }

  @Test
  void feedbackThemesRankTermsByLogOddsWithAnInformativePrior() {
    Map<String, Row> themes = new HashMap<>();
    for (Row r :
        FeedbackThemes.compute(Frames.golden(spark, CASE, Source.SURVEYS), 2).collectAsList()) {
      themes.put(
          r.getAs(FeedbackThemes.QUARTER)
              + " "
              + r.getAs(FeedbackThemes.SIDE)
              + " "
              + r.getAs(FeedbackThemes.RANK),
          r);
    }
    // Q2 2024. Detractors (6, 3, 6): "slow reports and buggy export", "slow and buggy", "too slow"
    // -> slow 3, buggy 2, reports 1, export 1 (n = 7; "and", "too" are stop words). Promoters (9,
    // 10, 9, 9): "great support team", "love the dashboards", "great dashboards", "great" -> great
    // 3, dashboards 2, support, team, love 1 (n = 8). Prior = both sides: alpha0 = 15.
    // slow: delta = ln(6 / (7 + 15 - 3 - 3)) - ln(3 / (8 + 15 - 0 - 3)) = ln(2.5);
    // z = delta / sqrt(1/6 + 1/3).
    Row slow = themes.get("2024-04-01 detractors 1");
    assertThat(slow.<String>getAs(FeedbackThemes.TERM)).isEqualTo("slow");
    assertThat(lng(slow, FeedbackThemes.COUNT)).isEqualTo(3);
    assertThat(lng(slow, FeedbackThemes.OTHER_COUNT)).isZero();
    assertThat(dbl(slow, FeedbackThemes.LOG_ODDS)).isCloseTo(Math.log(2.5), within(EPS));
    assertThat(dbl(slow, FeedbackThemes.Z_SCORE))
        .isCloseTo(Math.log(2.5) / Math.sqrt(0.5), within(EPS));
    // buggy: ln(4 / 18) - ln(2 / 21); z over sqrt(1/4 + 1/2).
    Row buggy = themes.get("2024-04-01 detractors 2");
    assertThat(buggy.<String>getAs(FeedbackThemes.TERM)).isEqualTo("buggy");
    assertThat(dbl(buggy, FeedbackThemes.Z_SCORE))
        .isCloseTo(Math.log((4 / 18.0) / (2 / 21.0)) / Math.sqrt(0.75), within(EPS));
    assertThat(themes).doesNotContainKey("2024-04-01 detractors 3"); // top 2 only
    // great for promoters: ln(6 / (8 + 15 - 3 - 3)) - ln(3 / (7 + 15 - 0 - 3)) = ln(114 / 51).
    Row great = themes.get("2024-04-01 promoters 1");
    assertThat(great.<String>getAs(FeedbackThemes.TERM)).isEqualTo("great");
    assertThat(dbl(great, FeedbackThemes.LOG_ODDS)).isCloseTo(Math.log(114 / 51.0), within(EPS));
    assertThat(themes.get("2024-04-01 promoters 2").<String>getAs(FeedbackThemes.TERM))
        .isEqualTo("dashboards");
    // Q4 2023: "too expensive and slow" (0) against "great product and support" (10): expensive
    // and slow tie at ln((2 / 5) / (1 / 7)) and are ordered by term.
    Row q4 = themes.get("2023-10-01 detractors 1");
    assertThat(q4.<String>getAs(FeedbackThemes.TERM)).isEqualTo("expensive");
    assertThat(dbl(q4, FeedbackThemes.LOG_ODDS)).isCloseTo(Math.log(14 / 5.0), within(EPS));
    assertThat(themes.get("2023-10-01 detractors 2").<String>getAs(FeedbackThemes.TERM))
        .isEqualTo("slow");
    // Passives' comments ("fine", "ok") are not used.
    assertThat(themes.values())
        .extracting(r -> r.<String>getAs(FeedbackThemes.TERM))
        .doesNotContain("fine", "ok");
  }
}
