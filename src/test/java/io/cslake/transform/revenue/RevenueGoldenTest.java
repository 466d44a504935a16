package io.cslake.transform.revenue;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import java.math.BigDecimal;
import java.sql.Date;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The revenue metrics on the hand-worked golden case {@code src/test/resources/golden/revenue} (its
 * README describes each account). Every expected number is worked out by hand there or in the
 * comment next to it.
 */
class RevenueGoldenTest extends SparkTestBase {
  static final String CASE = "revenue";
  static final LocalDate AS_OF = LocalDate.parse("2024-06-30");
  static final KpiMonthly.Settings SETTINGS = new KpiMonthly.Settings(0.8, 30);

  static Dataset<Row> accounts;
  static Dataset<Row> subscriptions;
  static Dataset<Row> accountMonths;
  static Dataset<Row> movements;
  static Map<String, Row> kpi;

  @BeforeAll
  static void compute() {
    accounts = Frames.golden(spark, CASE, Source.ACCOUNTS);
    subscriptions = Frames.golden(spark, CASE, Source.SUBSCRIPTIONS);
    Dataset<Row> fx = Frames.golden(spark, CASE, Source.FX_RATES);
    accountMonths = AccountMonthMrr.compute(subscriptions, fx, "usd", AS_OF).cache();
    movements = MrrMovements.compute(accountMonths).cache();
    kpi = new HashMap<>();
    for (Row r :
        KpiMonthly.compute(movements, accountMonths, accounts, subscriptions, SETTINGS, AS_OF)
            .collectAsList()) {
      kpi.put(r.getAs(KpiMonthly.SEGMENT) + " " + r.getAs(KpiMonthly.MONTH), r);
    }
  }

  @Test
  void movementsFollowTheRulesInOrder() {
    Dataset<Row> expected =
        Frames.golden(spark, CASE, "expected_mrr_movements", movements.schema());
    Frames.assertSameRows(movements, expected, 0.0);
  }

  @Test
  void accountMonthsSpanFirstActiveMonthToAsOfWithGapMonths() {
    // A, B, D, E, F: Jan..Jun (6 each); C: Feb..Jun (5).
    assertThat(accountMonths.count()).isEqualTo(35);
    Row bApril = row(accountMonths, "B", "2024-04-01");
    assertThat(bApril.<BigDecimal>getAs(AccountMonthMrr.MRR)).isEqualByComparingTo("0");
    assertThat(bApril.<Long>getAs(AccountMonthMrr.LINES)).isZero();
    Row aMarch = row(accountMonths, "A", "2024-03-01");
    assertThat(aMarch.<Long>getAs(AccountMonthMrr.LINES)).isEqualTo(2);
    assertThat(aMarch.getList(aMarch.fieldIndex(AccountMonthMrr.PRODUCT_IDS)))
        .containsExactly("addon", "core");
    assertThat(aMarch.<BigDecimal>getAs(AccountMonthMrr.NEW_PRODUCT_MRR))
        .isEqualByComparingTo("50");
    // C in April: annual line 10 seats + upsell line 2 seats; core was held in March.
    Row cApril = row(accountMonths, "C", "2024-04-01");
    assertThat(cApril.<Long>getAs(AccountMonthMrr.SEATS)).isEqualTo(12);
    assertThat(cApril.<BigDecimal>getAs(AccountMonthMrr.NEW_PRODUCT_MRR)).isEqualByComparingTo("0");
  }

  @Test
  void movementsAddUpToTheChangeInMrr() {
    for (Row r : movements.collectAsList()) {
      BigDecimal change =
          r.<BigDecimal>getAs(MrrMovements.MRR).subtract(r.getAs(MrrMovements.PREV_MRR));
      BigDecimal moved =
          r.<BigDecimal>getAs(MrrMovements.AMOUNT).add(r.getAs(MrrMovements.FX_AMOUNT));
      assertThat(moved).as("%s", r).isEqualByComparingTo(change);
    }
  }

  @Test
  void companyKpisMatchTheHandCalculation() {
    // Company MRR: Jan 540, Feb 650, Mar 495, Apr 440, May 770, Jun 770.
    Row jan = kpi("ALL", "2024-01-01");
    assertMoney(jan, KpiMonthly.MRR, "540");
    assertMoney(jan, KpiMonthly.ARR, "6480");
    assertThat(jan.<Long>getAs(KpiMonthly.NEW_ACCOUNTS)).isEqualTo(5);
    assertMoney(jan, KpiMonthly.NEW_MRR, "540");
    assertThat(jan.<Double>getAs(KpiMonthly.ARPA)).isCloseTo(108.0, within(1e-9));
    // Nothing active before January: every rate over the opening base is null, not NaN.
    for (String rate :
        List.of(
            KpiMonthly.LOGO_CHURN_RATE,
            KpiMonthly.GROSS_MRR_CHURN_RATE,
            KpiMonthly.GRR,
            KpiMonthly.NRR,
            KpiMonthly.QUICK_RATIO,
            KpiMonthly.ARPU_PER_SEAT,
            KpiMonthly.RENEWAL_RATE,
            KpiMonthly.CLV_FORMULA,
            KpiMonthly.NRR_T12M)) {
      assertThat(jan.<Double>getAs(rate)).as(rate).isNull();
    }

    // February, a zero-churn month: churn 0 of 5, GRR = NRR = 540/540; quick ratio 100/0 -> null.
    Row feb = kpi("ALL", "2024-02-01");
    assertMoney(feb, KpiMonthly.FX_MRR, "10");
    assertThat(feb.<Double>getAs(KpiMonthly.LOGO_CHURN_RATE)).isEqualTo(0.0);
    assertThat(feb.<Double>getAs(KpiMonthly.GRR)).isEqualTo(1.0);
    assertThat(feb.<Double>getAs(KpiMonthly.NRR)).isEqualTo(1.0);
    assertThat(feb.<Double>getAs(KpiMonthly.QUICK_RATIO)).isNull();
    assertThat(feb.<Double>getAs(KpiMonthly.ARPU_PER_SEAT)).isCloseTo(10.0, within(1e-9));
    assertThat(feb.<Double>getAs(KpiMonthly.CLV_FORMULA)).isNull(); // Jan's churn rate is null

    // March: B churns 200, A expands 50 (cross-sell); opening 650 over 6 accounts.
    Row mar = kpi("ALL", "2024-03-01");
    assertThat(mar.<Long>getAs(KpiMonthly.CHURNED_ACCOUNTS)).isEqualTo(1);
    assertMoney(mar, KpiMonthly.CHURNED_MRR, "200");
    assertMoney(mar, KpiMonthly.CROSS_SELL_MRR, "50");
    assertMoney(mar, KpiMonthly.UPSELL_MRR, "0");
    assertMoney(mar, KpiMonthly.FX_MRR, "-5");
    assertThat(mar.<Double>getAs(KpiMonthly.LOGO_CHURN_RATE)).isCloseTo(1 / 6.0, within(1e-12));
    assertThat(mar.<Double>getAs(KpiMonthly.GROSS_MRR_CHURN_RATE))
        .isCloseTo(200 / 650.0, within(1e-12));
    assertThat(mar.<Double>getAs(KpiMonthly.GRR)).isCloseTo(450 / 650.0, within(1e-12));
    assertThat(mar.<Double>getAs(KpiMonthly.NRR)).isCloseTo(500 / 650.0, within(1e-12));
    assertThat(mar.<Double>getAs(KpiMonthly.QUICK_RATIO)).isCloseTo(0.25, within(1e-12));
    assertThat(mar.<Double>getAs(KpiMonthly.ARPA)).isCloseTo(99.0, within(1e-9));
    assertThat(mar.<Double>getAs(KpiMonthly.CLV_FORMULA)).isNull(); // Jan null, Feb 0
    assertThat(mar.<Long>getAs(KpiMonthly.TERMS_ENDING)).isEqualTo(1); // B's S3, not renewed
    assertThat(mar.<Double>getAs(KpiMonthly.RENEWAL_RATE)).isEqualTo(0.0);

    // April: F churns 80; C (+20) and D (+5) upsell; D, E renewed, F not (44 days > 30).
    Row apr = kpi("ALL", "2024-04-01");
    assertMoney(apr, KpiMonthly.UPSELL_MRR, "25");
    assertMoney(apr, KpiMonthly.EXPANSION_MRR, "25");
    assertThat(apr.<Double>getAs(KpiMonthly.LOGO_CHURN_RATE)).isCloseTo(0.2, within(1e-12));
    assertThat(apr.<Double>getAs(KpiMonthly.NRR)).isCloseTo(440 / 495.0, within(1e-12));
    assertThat(apr.<Double>getAs(KpiMonthly.QUICK_RATIO)).isCloseTo(25 / 80.0, within(1e-12));
    assertThat(apr.<Double>getAs(KpiMonthly.ARPU_PER_SEAT)).isCloseTo(120 / 12.0, within(1e-9));
    assertThat(apr.<Long>getAs(KpiMonthly.TERMS_ENDING)).isEqualTo(3);
    assertThat(apr.<Double>getAs(KpiMonthly.RENEWAL_RATE)).isCloseTo(2 / 3.0, within(1e-12));

    // May: A contracts 50; B and F reactivate (300 + 80).
    Row may = kpi("ALL", "2024-05-01");
    assertThat(may.<Long>getAs(KpiMonthly.REACTIVATED_ACCOUNTS)).isEqualTo(2);
    assertMoney(may, KpiMonthly.REACTIVATION_MRR, "380");
    assertMoney(may, KpiMonthly.CONTRACTION_MRR, "50");
    assertThat(may.<Double>getAs(KpiMonthly.GRR)).isCloseTo(390 / 440.0, within(1e-12));
    assertThat(may.<Double>getAs(KpiMonthly.NRR)).isCloseTo(390 / 440.0, within(1e-12));
    assertThat(may.<Double>getAs(KpiMonthly.QUICK_RATIO)).isCloseTo(380 / 50.0, within(1e-12));
    assertThat(may.<Double>getAs(KpiMonthly.RENEWAL_RATE)).isEqualTo(0.0); // A's add-on

    // June: flat. Formula CLV: ARPA 770/6, churn Jan..May = (null), 0, 1/6, 1/5, 0 -> mean 11/120.
    Row jun = kpi("ALL", "2024-06-01");
    assertMoney(jun, KpiMonthly.MRR, "770");
    assertThat(jun.<Double>getAs(KpiMonthly.CLV_FORMULA))
        .isCloseTo(770 / 6.0 * 0.8 / (11 / 120.0), within(1e-9));
    assertThat(jun.<Double>getAs(KpiMonthly.QUICK_RATIO)).isNull();
    assertThat(jun.<Double>getAs(KpiMonthly.RENEWAL_RATE)).isNull(); // no term ends in June
    // Trailing three months Apr..Jun, pooled: churned 1 + 0 + 0 over opening 5 + 4 + 6 accounts.
    assertThat(jun.<Double>getAs(KpiMonthly.LOGO_CHURN_RATE + "_3m"))
        .isCloseTo(1 / 15.0, within(1e-12));
    // Renewals Apr..Jun: 2 of 3 + 0 of 1.
    assertThat(jun.<Double>getAs(KpiMonthly.RENEWAL_RATE + "_3m")).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void segmentKpisSplitTheCompany() {
    // enterprise (C, D): March opening 100 + 120, no churn; April +20 +5 on an opening of 215.
    Row entMar = kpi("enterprise", "2024-03-01");
    assertThat(entMar.<Double>getAs(KpiMonthly.LOGO_CHURN_RATE)).isEqualTo(0.0);
    Row entApr = kpi("enterprise", "2024-04-01");
    assertMoney(entApr, KpiMonthly.MRR, "240");
    assertThat(entApr.<Double>getAs(KpiMonthly.NRR)).isCloseTo(240 / 215.0, within(1e-12));
    assertThat(entApr.<Double>getAs(KpiMonthly.RENEWAL_RATE)).isEqualTo(1.0); // D
    // smb (A, B, E, F): March, B churns out of 4; April, E renewed and F not.
    Row smbMar = kpi("smb", "2024-03-01");
    assertThat(smbMar.<Double>getAs(KpiMonthly.LOGO_CHURN_RATE)).isCloseTo(0.25, within(1e-12));
    Row smbApr = kpi("smb", "2024-04-01");
    assertThat(smbApr.<Double>getAs(KpiMonthly.RENEWAL_RATE)).isCloseTo(0.5, within(1e-12));
    // Enterprise has no January revenue but still has a January row.
    Row entJan = kpi("enterprise", "2024-01-01");
    assertMoney(entJan, KpiMonthly.MRR, "110");
    assertThat(kpi).hasSize(3 * 6);
  }

  @Test
  void trailingTwelveMonthNrrFollowsTheAccountsActiveAYearEarlier() {
    // X: 100 in 2023, 150 from 2024; Y: 100 until May 2023 (churned); Z: 50 from June 2023.
    List<Row> lines =
        List.of(
            line("X", "2023-01-01", "2024-01-01", "100", "L1"),
            line("X", "2024-01-01", null, "150", "L2"),
            line("Y", "2023-01-01", "2023-06-01", "100", "L3"),
            line("Z", "2023-06-01", null, "50", "L4"));
    Dataset<Row> subs = spark.createDataFrame(lines, Frames.contractSchema(Source.SUBSCRIPTIONS));
    Dataset<Row> fx = spark.createDataFrame(List.of(), Frames.contractSchema(Source.FX_RATES));
    Dataset<Row> months = AccountMonthMrr.compute(subs, fx, "USD", AS_OF);
    Dataset<Row> noAccounts = accounts.limit(0);
    Map<String, Double> t12m = new HashMap<>();
    for (Row r :
        KpiMonthly.compute(MrrMovements.compute(months), months, noAccounts, subs, SETTINGS, AS_OF)
            .filter(col(KpiMonthly.SEGMENT).equalTo(lit("ALL")))
            .collectAsList()) {
      t12m.put(r.getAs(KpiMonthly.MONTH).toString(), r.getAs(KpiMonthly.NRR_T12M));
    }
    assertThat(t12m).hasSize(18); // Jan 2023 .. Jun 2024
    assertThat(t12m.get("2023-12-01")).isNull();
    // Jan 2024: base Jan 2023 = X 100 + Y 100; now X 150, Y 0 (Z was not active a year earlier).
    assertThat(t12m.get("2024-01-01")).isCloseTo(150 / 200.0, within(1e-12));
    // Jun 2024: base Jun 2023 = X 100 + Z 50; now X 150 + Z 50.
    assertThat(t12m.get("2024-06-01")).isCloseTo(200 / 150.0, within(1e-12));
  }

  private static Row line(String account, String start, String end, String mrr, String id) {
    return RowFactory.create(
        account,
        Date.valueOf(start),
        end == null ? null : Date.valueOf(end),
        new BigDecimal(mrr),
        null,
        null,
        id,
        "core",
        null,
        null,
        "USD");
  }

  @Test
  void churnReasonsComeFromTheEventNearestTheChurn() {
    Dataset<Row> fx = Frames.golden(spark, CASE, Source.CHURN_EVENTS);
    Dataset<Row> reasons =
        ChurnReasonsMonthly.compute(movements, fx, accounts)
            .filter(col(ChurnReasonsMonthly.SEGMENT).equalTo(lit("ALL")))
            .orderBy(ChurnReasonsMonthly.MONTH);
    List<Row> rows = reasons.collectAsList();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).<String>getAs(ChurnReasonsMonthly.REASON)).isEqualTo("price");
    assertThat(rows.get(0).<BigDecimal>getAs(ChurnReasonsMonthly.CHURNED_MRR))
        .isEqualByComparingTo("200");
    assertThat(rows.get(1).<String>getAs(ChurnReasonsMonthly.REASON)).isEqualTo("competitor");
    assertThat(rows.get(1).<Date>getAs(ChurnReasonsMonthly.MONTH))
        .isEqualTo(Date.valueOf("2024-04-01"));
    // Without churn events every churn is unrecorded.
    Dataset<Row> none = fx.limit(0);
    assertThat(
            ChurnReasonsMonthly.compute(movements, none, accounts)
                .filter(col(ChurnReasonsMonthly.REASON).equalTo(lit("unrecorded")))
                .count())
        .isEqualTo(4); // two churns, each in its segment and in ALL
  }

  @Test
  void subscriptionCohortsRetainLogosAndRevenue() {
    Map<String, Row> cohorts = new HashMap<>();
    for (Row r :
        CohortRetention.subscriptions(accountMonths, accounts, AS_OF)
            .filter(col(CohortRetention.SEGMENT).equalTo(lit("ALL")))
            .collectAsList()) {
      cohorts.put(r.getAs(CohortRetention.COHORT_MONTH) + "+" + r.getAs(CohortRetention.PERIOD), r);
    }
    // January cohort A, B, D, E, F (540); February cohort C (100); periods up to June.
    assertThat(cohorts).hasSize(6 + 5);
    Row jan0 = cohorts.get("2024-01-01+0");
    assertThat(jan0.<Long>getAs(CohortRetention.COHORT_SIZE)).isEqualTo(5);
    assertThat(jan0.<Double>getAs(CohortRetention.LOGO_RETENTION)).isEqualTo(1.0);
    Row jan3 = cohorts.get("2024-01-01+3"); // April: B and F out; 150 + 120 + 50
    assertThat(jan3.<Long>getAs(CohortRetention.RETAINED)).isEqualTo(3);
    assertThat(jan3.<Double>getAs(CohortRetention.LOGO_RETENTION)).isCloseTo(0.6, within(1e-12));
    assertThat(jan3.<Double>getAs(CohortRetention.REVENUE_RETENTION))
        .isCloseTo(320 / 540.0, within(1e-12));
    Row feb2 = cohorts.get("2024-02-01+2");
    assertThat(feb2.<BigDecimal>getAs(CohortRetention.REVENUE)).isEqualByComparingTo("120");
    assertThat(feb2.<Double>getAs(CohortRetention.REVENUE_RETENTION)).isCloseTo(1.2, within(1e-12));
  }

  @Test
  void transactionCohortsCountPurchaseMonths() {
    Dataset<Row> transactions = Frames.golden(spark, CASE, Source.TRANSACTIONS);
    Map<String, Row> cohorts = new HashMap<>();
    for (Row r :
        CohortRetention.transactions(transactions, accounts, AS_OF)
            .filter(col(CohortRetention.SEGMENT).equalTo(lit("ALL")))
            .collectAsList()) {
      assertThat(r.<String>getAs(CohortRetention.BASIS)).isEqualTo("transaction");
      cohorts.put(r.getAs(CohortRetention.COHORT_MONTH) + "+" + r.getAs(CohortRetention.PERIOD), r);
    }
    // A: Jan cohort, k = 0..5, buys again in March (k = 2); B: Feb cohort, k = 0..4.
    assertThat(cohorts).hasSize(6 + 5);
    assertThat(cohorts.get("2024-01-01+1").<Long>getAs(CohortRetention.RETAINED)).isZero();
    Row a2 = cohorts.get("2024-01-01+2");
    assertThat(a2.<Long>getAs(CohortRetention.RETAINED)).isEqualTo(1);
    assertThat(a2.<Double>getAs(CohortRetention.REVENUE_RETENTION))
        .isCloseTo(20 / 30.0, within(1e-12));
    // B's July purchase is after the as-of date.
    assertThat(cohorts.get("2024-02-01+4").<BigDecimal>getAs(CohortRetention.REVENUE))
        .isEqualByComparingTo("0");
  }

  @Test
  void historicalClvSumsRevenueToDate() {
    Dataset<Row> transactions = Frames.golden(spark, CASE, Source.TRANSACTIONS);
    Map<String, BigDecimal> revenue = new HashMap<>();
    for (Row r :
        HistoricalClv.compute(
                accounts, Optional.of(accountMonths), Optional.of(transactions), AS_OF)
            .collectAsList()) {
      revenue.put(r.getAs(HistoricalClv.ACCOUNT_ID), r.getAs(HistoricalClv.REVENUE_TO_DATE));
    }
    // A 100+100+150+150+100+100 + 30+20; B 200+200+300+300 + 40; C 100+100+120*3;
    // D 110+120+115+120*3; E 50*6; F 80*5.
    assertThat(revenue.get("A")).isEqualByComparingTo("750");
    assertThat(revenue.get("B")).isEqualByComparingTo("1040");
    assertThat(revenue.get("C")).isEqualByComparingTo("560");
    assertThat(revenue.get("D")).isEqualByComparingTo("705");
    assertThat(revenue.get("E")).isEqualByComparingTo("300");
    assertThat(revenue.get("F")).isEqualByComparingTo("400");
  }

  @Test
  void aCurrencyWithoutARateIsReported() {
    Dataset<Row> gbp =
        subscriptions
            .limit(1)
            .withColumn("currency", lit("GBP"))
            .withColumn("account_id", lit("G"));
    Dataset<Row> fx = Frames.golden(spark, CASE, Source.FX_RATES);
    List<Row> missing =
        AccountMonthMrr.missingRates(AccountMonthMrr.lineMonths(gbp, fx, "USD", AS_OF))
            .orderBy(AccountMonthMrr.MONTH)
            .collectAsList();
    assertThat(missing).hasSize(6);
    assertThat(missing.get(0)).isEqualTo(RowFactory.create("GBP", Date.valueOf("2024-01-01")));
  }

  private static Row kpi(String segment, String month) {
    Row r = kpi.get(segment + " " + month);
    assertThat(r).as("kpi row %s %s", segment, month).isNotNull();
    return r;
  }

  private static void assertMoney(Row r, String column, String expected) {
    assertThat(r.<BigDecimal>getAs(column)).as(column).isEqualByComparingTo(expected);
  }

  private static Row row(Dataset<Row> frame, String account, String month) {
    List<Row> rows =
        frame
            .filter(col("account_id").equalTo(lit(account)))
            .filter(col("month").equalTo(lit(Date.valueOf(month))))
            .collectAsList();
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }
}
