package io.cslake.transform.revenue;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import io.cslake.transform.Columns;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.execution.LogicalRDD;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Invariants of SPEC §5.2–5.4 on a generated book of business (seeded, so a failure reproduces):
 * 120 accounts with overlapping, annual, multi-currency, mid-month, churning and returning lines
 * over two years. Checked in Spark (counts of violating rows), not by collecting the data.
 */
class RevenueInvariantsTest extends SparkTestBase {
  static final LocalDate AS_OF = LocalDate.parse("2024-12-31");
  static final LocalDate START = LocalDate.parse("2023-01-01");
  static final List<String> CURRENCIES = List.of("USD", "EUR", "GBP");
  static final List<String> PRODUCTS = List.of("core", "addon", "analytics");

  static Dataset<Row> accountMonths;
  static Dataset<Row> movements;
  static Dataset<Row> kpi;
  static Dataset<Row> cohorts;

  @BeforeAll
  static void generate() {
    Random random = new Random(20261123L);
    List<Row> accounts = new ArrayList<>();
    List<Row> subscriptions = new ArrayList<>();
    List<Row> transactions = new ArrayList<>();
    String[] segments = {"smb", "mid", "enterprise", null};
    for (int a = 0; a < 120; a++) {
      String id = "ACC" + a;
      accounts.add(
          RowFactory.create(
              id,
              Timestamp.valueOf("2022-12-01 00:00:00"),
              id,
              segments[random.nextInt(4)],
              null,
              null,
              null));
      int lines = 1 + random.nextInt(4);
      for (int l = 0; l < lines; l++) {
        LocalDate start = START.plusMonths(random.nextInt(24)).plusDays(random.nextInt(28));
        LocalDate end =
            random.nextDouble() < 0.3
                ? null
                : start.plusMonths(1 + random.nextInt(14)).plusDays(random.nextInt(28));
        boolean annual = random.nextDouble() < 0.2;
        BigDecimal value = BigDecimal.valueOf(1000 + random.nextInt(50000), 2);
        subscriptions.add(
            RowFactory.create(
                id,
                Date.valueOf(start),
                end == null ? null : Date.valueOf(end),
                annual ? null : value,
                annual ? value.multiply(BigDecimal.valueOf(12)) : null,
                annual ? 12 : null,
                "S" + a + "-" + l,
                PRODUCTS.get(random.nextInt(PRODUCTS.size())),
                annual ? "annual" : "monthly",
                random.nextDouble() < 0.3 ? null : random.nextInt(20),
                CURRENCIES.get(random.nextInt(CURRENCIES.size()))));
      }
      if (random.nextDouble() < 0.5) {
        for (int t = 0; t < 1 + random.nextInt(6); t++) {
          LocalDate day = START.plusDays(random.nextInt(730));
          transactions.add(
              RowFactory.create(
                  id,
                  Timestamp.valueOf(day.atTime(12, 0)),
                  BigDecimal.valueOf(100 + random.nextInt(10000), 2)));
        }
      }
    }
    List<Row> rates = new ArrayList<>();
    for (LocalDate day = START.minusMonths(1); !day.isAfter(AS_OF); day = day.plusDays(7)) {
      for (String currency : List.of("EUR", "GBP")) {
        BigDecimal rate =
            BigDecimal.valueOf(0.8 + random.nextDouble() * 0.8).setScale(6, RoundingMode.HALF_UP);
        rates.add(RowFactory.create(Date.valueOf(day), currency, rate));
      }
    }
    Dataset<Row> acc = frame(accounts, Source.ACCOUNTS);
    Dataset<Row> subs = frame(subscriptions, Source.SUBSCRIPTIONS);
    Dataset<Row> fx = frame(rates, Source.FX_RATES);
    Dataset<Row> lineMonths = AccountMonthMrr.lineMonths(subs, fx, "USD", AS_OF);
    assertThat(AccountMonthMrr.missingRates(lineMonths).count()).isZero();
    // Each table is materialised once with its lineage cut (localCheckpoint, not cache): the
    // checks run dozens of small queries on them, and on a cached frame each query re-analyses the
    // whole revenue pipeline and canonicalises it to find the cached copy (about a second each).
    accountMonths = AccountMonthMrr.fromLineMonths(lineMonths, AS_OF).localCheckpoint();
    movements = MrrMovements.compute(accountMonths).localCheckpoint();
    kpi =
        KpiMonthly.compute(
                movements, accountMonths, acc, subs, new KpiMonthly.Settings(0.8, 30), AS_OF)
            .localCheckpoint();
    cohorts =
        CohortRetention.subscriptions(accountMonths, acc, AS_OF)
            .unionByName(
                CohortRetention.transactions(frame(transactions, Source.TRANSACTIONS), acc, AS_OF))
            .localCheckpoint();
  }

  /** Lets the checkpointed blocks go: the session outlives the class. */
  @AfterAll
  static void release() {
    for (Dataset<Row> d : List.of(accountMonths, movements, kpi, cohorts)) {
      ((LogicalRDD) d.logicalPlan()).rdd().unpersist(false);
    }
    accountMonths = movements = kpi = cohorts = null;
  }

  @Test
  void movementsAddUpPerAccountMonth() {
    Column moved = col(MrrMovements.AMOUNT).plus(col(MrrMovements.FX_AMOUNT));
    Column change = col(MrrMovements.MRR).minus(col(MrrMovements.PREV_MRR));
    assertThat(movements.count()).isGreaterThan(1000);
    assertThat(movements.filter(moved.notEqual(change)).count()).isZero();
    // Each movement type is what its rule says.
    assertThat(
            movements
                .filter(col(MrrMovements.MOVEMENT).equalTo(lit(MrrMovements.CHURN)))
                .filter(
                    col(MrrMovements.AMOUNT)
                        .notEqual(col(MrrMovements.PREV_MRR).unary_$minus())
                        .or(col(MrrMovements.MRR).notEqual(lit(0))))
                .count())
        .isZero();
    assertThat(
            movements
                .filter(
                    col(MrrMovements.UPSELL_AMOUNT)
                        .plus(col(MrrMovements.CROSS_SELL_AMOUNT))
                        .notEqual(
                            coalesce(
                                functionsWhenExpansion(col(MrrMovements.AMOUNT)),
                                lit(BigDecimal.ZERO))))
                .count())
        .isZero();
    // Every movement type occurs in this book.
    assertThat(movements.select(MrrMovements.MOVEMENT).distinct().count()).isEqualTo(6);
  }

  @Test
  void movementsAddUpPerAccountAndCompanyWide() {
    // Per account: the movements from the first month telescope to the last month's MRR.
    Dataset<Row> perAccount =
        movements
            .groupBy(MrrMovements.ACCOUNT_ID)
            .agg(sum(col(MrrMovements.AMOUNT).plus(col(MrrMovements.FX_AMOUNT))).as("moved"));
    Dataset<Row> lastMrr =
        accountMonths
            .filter(col(AccountMonthMrr.MONTH).equalTo(lit(Date.valueOf("2024-12-01"))))
            .select(col(AccountMonthMrr.ACCOUNT_ID), col(AccountMonthMrr.MRR));
    assertThat(
            Columns.join(perAccount, lastMrr, "left", AccountMonthMrr.ACCOUNT_ID)
                .filter(col("moved").notEqual(coalesce(col(AccountMonthMrr.MRR), lit(0))))
                .count())
        .isZero();
    // Company-wide, month by month, from account_month_mrr independently of the movements.
    Dataset<Row> company =
        accountMonths.groupBy(AccountMonthMrr.MONTH).agg(sum(AccountMonthMrr.MRR).as("company"));
    Dataset<Row> before =
        company.select(
            add_months(col(AccountMonthMrr.MONTH), 1).as(AccountMonthMrr.MONTH),
            col("company").as("company_before"));
    Dataset<Row> moved =
        movements
            .groupBy(MrrMovements.MONTH)
            .agg(sum(col(MrrMovements.AMOUNT).plus(col(MrrMovements.FX_AMOUNT))).as("moved"));
    Dataset<Row> joined =
        Columns.join(
            Columns.join(company, before, "left", AccountMonthMrr.MONTH),
            moved,
            "left",
            AccountMonthMrr.MONTH);
    assertThat(joined.count()).isEqualTo(24);
    assertThat(
            joined
                .filter(
                    col("moved")
                        .notEqual(col("company").minus(coalesce(col("company_before"), lit(0)))))
                .count())
        .isZero();
    // The KPI table agrees: MRR(M) - MRR(M-1) = new + expansion + reactivation - churned
    // - contraction + fx.
    Column identity =
        col(KpiMonthly.MRR)
            .minus(col(KpiMonthly.OPENING_MRR))
            .minus(col(KpiMonthly.NEW_MRR))
            .minus(col(KpiMonthly.EXPANSION_MRR))
            .minus(col(KpiMonthly.REACTIVATION_MRR))
            .plus(col(KpiMonthly.CHURNED_MRR))
            .plus(col(KpiMonthly.CONTRACTION_MRR))
            .minus(col(KpiMonthly.FX_MRR));
    assertThat(kpi.filter(identity.notEqual(lit(0))).count()).isZero();
  }

  @Test
  void ratesAreBoundedAndNeverNaN() {
    assertThat(kpi.filter(col(KpiMonthly.SEGMENT).equalTo(lit("ALL"))).count()).isEqualTo(24);
    for (StructField field : kpi.schema().fields()) {
      if (field.dataType().equals(DataTypes.DoubleType)) {
        Column c = col(field.name());
        assertThat(
                kpi.filter(
                        isnan(c)
                            .or(c.equalTo(lit(Double.POSITIVE_INFINITY)))
                            .or(c.equalTo(lit(Double.NEGATIVE_INFINITY))))
                    .count())
            .as(field.name())
            .isZero();
      }
    }
    Column churn = col(KpiMonthly.LOGO_CHURN_RATE);
    assertThat(kpi.filter(churn.lt(lit(0)).or(churn.gt(lit(1)))).count()).isZero();
    assertThat(kpi.filter(churn.gt(lit(0))).count()).isPositive();
    assertThat(kpi.filter(col(KpiMonthly.GRR).gt(col(KpiMonthly.NRR))).count()).isZero();
    assertThat(kpi.filter(col(KpiMonthly.GRR).lt(col(KpiMonthly.NRR))).count()).isPositive();
    assertThat(kpi.filter(col(KpiMonthly.GRR).gt(lit(1))).count()).isZero();
    Column renewal = col(KpiMonthly.RENEWAL_RATE);
    assertThat(kpi.filter(renewal.lt(lit(0)).or(renewal.gt(lit(1)))).count()).isZero();
    assertThat(kpi.filter(col(KpiMonthly.NRR_T12M).isNotNull()).count()).isPositive();
    assertThat(kpi.filter(col(KpiMonthly.CLV_FORMULA).isNotNull()).count()).isPositive();
  }

  @Test
  void cohortsStartFullyRetained() {
    Dataset<Row> first = cohorts.filter(col(CohortRetention.PERIOD).equalTo(lit(0)));
    assertThat(first.select(CohortRetention.BASIS).distinct().count()).isEqualTo(2);
    assertThat(
            first
                .filter(
                    col(CohortRetention.LOGO_RETENTION)
                        .notEqual(lit(1.0))
                        .or(abs(col(CohortRetention.REVENUE_RETENTION).minus(lit(1.0))).gt(1e-12)))
                .count())
        .isZero();
    Column retention = col(CohortRetention.LOGO_RETENTION);
    assertThat(cohorts.filter(retention.lt(lit(0)).or(retention.gt(lit(1)))).count()).isZero();
  }

  private static Column functionsWhenExpansion(Column amount) {
    return org.apache.spark.sql.functions.when(
        col(MrrMovements.MOVEMENT).equalTo(lit(MrrMovements.EXPANSION)), amount);
  }

  private static Dataset<Row> frame(List<Row> rows, Source source) {
    return spark.createDataFrame(rows, Frames.contractSchema(source));
  }
}
