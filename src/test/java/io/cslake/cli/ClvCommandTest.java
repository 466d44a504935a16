package io.cslake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cslake.CslakeException;
import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.contract.Source;
import io.cslake.job.ClvJob;
import io.cslake.job.JobContext;
import io.cslake.table.Lakehouse;
import io.cslake.transform.clv.ContractualClv;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code cslake clv} on silver written directly (no ingest, no metrics): 160 accounts in two
 * segments (five of each per cohort), ten per cohort month from 2023-01 to 2024-04, each churning
 * with its own monthly probability ({@code account_month_mrr} as metrics writes it: a 0 row after
 * the last active month); every account but one in ten buys at its own pace and spend until it
 * drops out, some purchases after the as-of date 2024-06-30. Per segment, cohorts have five
 * accounts: too few to fit (32 skipped); the 16 ALL cohorts of ten are fitted, and the three
 * segments (ALL, smb, enterprise) pooled.
 */
class ClvCommandTest extends SparkTestBase {
  static final LocalDate AS_OF = LocalDate.parse("2024-06-30");
  static final int ACCOUNTS = 160;

  static Dataset<Row> accounts;
  static Dataset<Row> accountMonths;
  static Dataset<Row> transactions;

  @BeforeAll
  static void data() {
    Random random = new Random(42);
    List<Row> accountRows = new ArrayList<>();
    List<Row> monthRows = new ArrayList<>();
    List<Row> purchaseRows = new ArrayList<>();
    for (int i = 0; i < ACCOUNTS; i++) {
      String id = String.format("a%03d", i);
      accountRows.add(RowFactory.create(id, (i / 16) % 2 == 0 ? "smb" : "enterprise"));
      LocalDate cohort = LocalDate.of(2023, 1, 1).plusMonths(i % 16);
      BigDecimal mrr = BigDecimal.valueOf(100 + (i % 5) * 50L);
      double churn = 0.03 + 0.04 * (i % 4);
      for (LocalDate month = cohort; !month.isAfter(AS_OF); month = month.plusMonths(1)) {
        monthRows.add(RowFactory.create(id, Date.valueOf(month), mrr));
        if (random.nextDouble() < churn && month.plusMonths(1).isBefore(AS_OF)) {
          monthRows.add(RowFactory.create(id, Date.valueOf(month.plusMonths(1)), BigDecimal.ZERO));
          break;
        }
      }
      if (i % 10 == 9) {
        continue; // no transactions
      }
      // Heterogeneous customers: their own purchase gaps, drop-out probability and spend level.
      int maxGap = 10 + random.nextInt(80);
      double dropOut = 0.03 + 0.4 * random.nextDouble() * random.nextDouble();
      double spend = 20 + 180 * random.nextDouble() * random.nextDouble();
      LocalDate day = cohort.plusDays(random.nextInt(28));
      while (!day.isAfter(AS_OF.plusDays(40))) {
        purchaseRows.add(
            RowFactory.create(
                id,
                Timestamp.from(day.atTime(10, 0).toInstant(ZoneOffset.UTC)),
                BigDecimal.valueOf(Math.round(spend * (50 + random.nextInt(100))), 2)));
        if (random.nextDouble() < dropOut) {
          break;
        }
        day = day.plusDays(1 + random.nextInt(maxGap));
      }
    }
    accounts =
        spark.createDataFrame(
            accountRows,
            new StructType()
                .add("account_id", DataTypes.StringType)
                .add("segment", DataTypes.StringType));
    accountMonths =
        spark.createDataFrame(
            monthRows,
            new StructType()
                .add("account_id", DataTypes.StringType)
                .add("month", DataTypes.DateType)
                .add("mrr", DataTypes.createDecimalType(18, 4)));
    transactions =
        spark.createDataFrame(
            purchaseRows,
            new StructType()
                .add("account_id", DataTypes.StringType)
                .add("ordered_at", DataTypes.TimestampType)
                .add("amount", DataTypes.createDecimalType(18, 4)));
  }

  /** A lakehouse with silver accounts, subscriptions (empty) and account_month_mrr. */
  static Lakehouse lake(String name, boolean withTransactions) {
    Lakehouse lakehouse = new Lakehouse(newDir(name).toString());
    write(accounts, lakehouse.silver(Source.ACCOUNTS.id()));
    write(
        spark.createDataFrame(List.of(), Frames.contractSchema(Source.SUBSCRIPTIONS)),
        lakehouse.silver(Source.SUBSCRIPTIONS.id()));
    write(accountMonths, lakehouse.silver("account_month_mrr"));
    if (withTransactions) {
      write(transactions, lakehouse.silver(Source.TRANSACTIONS.id()));
    }
    return lakehouse;
  }

  @Test
  void writesEveryTableAndPrintsTheFitsWithoutChurnScores() {
    Lakehouse lakehouse = lake("clv-full", true);

    MainTest.Result result =
        MainTest.run(
            "clv",
            "--set",
            "cslake.lakehouse=" + lakehouse.root(),
            "--set",
            "cslake.spark.master=local[2]",
            "--set",
            "cslake.spark.shuffle-partitions=2",
            "--as-of",
            AS_OF.toString());

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out())
        .contains("as of 2024-06-30")
        .containsPattern("gold/clv +160")
        .containsPattern("bgnbd ALL \\(144 customers\\): r=")
        .contains("gamma_gamma ALL (")
        .contains("sbg ALL (")
        .contains("sbg cohorts: 16 fitted, 32 skipped")
        .containsPattern("predicted CLV \\(BG/NBD \\+ Gamma-Gamma, 12 months\\): [0-9,]+ USD")
        .contains("contractual CLV: not computed (no gold/churn_risk_scores; run 'cslake score')");

    Dataset<Row> clv = load(lakehouse.gold("clv"));
    assertThat(clv.count()).isEqualTo(ACCOUNTS);
    assertThat(clv.select("account_id").distinct().count()).isEqualTo(ACCOUNTS);
    assertThat(clv.columns())
        .containsSubsequence(
            "account_id",
            "revenue_to_date",
            "x",
            "t_x",
            "t",
            "expected_purchases",
            "p_alive",
            "expected_spend",
            "predicted_clv",
            "monthly_hazard",
            "expected_lifetime_months",
            "contractual_clv");
    // One in ten accounts never bought: no BG/NBD row.
    assertThat(clv.filter(col("predicted_clv").isNotNull()).count()).isEqualTo(144);
    assertThat(clv.filter(col("x").isNotNull().and(col("p_alive").isNull())).count()).isZero();
    assertThat(
            clv.filter(
                    col("p_alive")
                        .gt(1)
                        .or(col("p_alive").lt(0))
                        .or(col("expected_purchases").lt(0))
                        .or(col("predicted_clv").lt(0)))
                .count())
        .isZero();
    assertThat(clv.filter(col("revenue_to_date").leq(0)).count()).isZero();
    assertThat(clv.filter(col("contractual_clv").isNotNull()).count()).isZero();

    Dataset<Row> params = load(lakehouse.gold("clv_model_params"));
    assertThat(params.columns())
        .containsExactly(
            "model", "group", "param", "value", "log_likelihood", "n_customers", "fitted_at");
    assertThat(paramNames(params, "bgnbd", "ALL")).containsExactly("a", "alpha", "b", "r");
    assertThat(paramNames(params, "gamma_gamma", "ALL")).containsExactly("gamma", "p", "q");
    assertThat(paramNames(params, "sbg", "smb")).containsExactly("alpha", "beta");
    assertThat(paramNames(params, "sbg", "ALL/2023-01")).containsExactly("alpha", "beta");
    // 16 cohorts and 3 pooled segments, two parameters each, plus 4 + 3.
    assertThat(params.count()).isEqualTo(2 * (16 + 3) + 4 + 3);
    assertThat(
            params
                .filter(col("model").equalTo(lit("bgnbd")))
                .select("n_customers")
                .first()
                .getLong(0))
        .isEqualTo(144);

    Dataset<Row> cohorts = load(lakehouse.gold("clv_cohorts"));
    assertThat(cohorts.count()).isEqualTo(16 + 3);
    List<Row> pooled =
        cohorts.filter(col("cohort_month").isNull()).orderBy("segment").collectAsList();
    assertThat(pooled)
        .extracting(r -> r.<String>getAs("segment"))
        .containsExactly("ALL", "enterprise", "smb");
    Row all = pooled.get(0);
    assertThat(all.<Long>getAs("customers")).isEqualTo(ACCOUNTS);
    assertThat(all.<Integer>getAs("periods_observed")).isEqualTo(17);
    List<Double> curve = all.getList(all.fieldIndex("projected_retention"));
    assertThat(curve).hasSize(12);
    assertThat(curve.get(0)).isLessThan(1).isGreaterThan(0.8);
    for (int t = 1; t < curve.size(); t++) {
      assertThat(curve.get(t)).isLessThan(curve.get(t - 1));
    }
    double alpha = all.getAs("alpha");
    double beta = all.getAs("beta");
    Double lifetime = all.getAs("expected_lifetime_months");
    if (alpha > 1) {
      assertThat(lifetime).isCloseTo((alpha + beta - 1) / (alpha - 1), within(1e-9));
    } else {
      assertThat(lifetime).isNull();
    }
    assertThat(
            load(lakehouse.runs())
                .filter(
                    col("command").equalTo(lit("clv")).and(col("status").equalTo(lit("success"))))
                .count())
        .isEqualTo(1);
  }

  @Test
  void contractualColumnsComeFromTheLatestChurnScore() {
    Lakehouse lakehouse = lake("clv-scores", true);
    List<Row> scores = new ArrayList<>();
    for (int i = 0; i < ACCOUNTS; i += 3) {
      String id = String.format("a%03d", i);
      scores.add(RowFactory.create(id, Date.valueOf("2024-05-31"), 0.99));
      scores.add(RowFactory.create(id, Date.valueOf(AS_OF), 0.05 + 0.1 * (i % 7)));
    }
    write(
        spark.createDataFrame(
            scores,
            new StructType()
                .add("account_id", DataTypes.StringType)
                .add("as_of_date", DataTypes.DateType)
                .add("churn_probability", DataTypes.DoubleType)),
        lakehouse.gold("churn_risk_scores"));

    ClvJob.Report report =
        ClvJob.run(
            JobContext.create(
                spark, TestConfigs.of(Path.of(lakehouse.root()), "cslake.as-of=" + AS_OF), "clv"));

    assertThat(report.contractual()).isTrue();
    assertThat(report.contractualClv()).isPositive();
    Map<String, Double> latestMrr = new HashMap<>();
    for (Row r : accountMonths.orderBy("month").collectAsList()) {
      latestMrr.put(r.getString(0), r.getDecimal(2).doubleValue());
    }
    ContractualClv.Settings settings = new ContractualClv.Settings(12, 0.01, 0.8, 90);
    List<Row> rows = load(lakehouse.gold("clv")).orderBy("account_id").collectAsList();
    assertThat(rows).hasSize(ACCOUNTS);
    int scored = 0;
    for (Row r : rows) {
      int i = Integer.parseInt(r.<String>getAs("account_id").substring(1));
      if (i % 3 != 0) {
        assertThat(r.<Double>getAs("monthly_hazard")).isNull();
        assertThat(r.<Double>getAs("contractual_clv")).isNull();
        continue;
      }
      scored++;
      double p = 0.05 + 0.1 * (i % 7);
      double h = ContractualClv.monthlyHazard(p, 90);
      assertThat(r.<Double>getAs("churn_probability")).isCloseTo(p, within(1e-12));
      assertThat(r.<Double>getAs("monthly_hazard")).isCloseTo(h, within(1e-12));
      assertThat(r.<Double>getAs("expected_lifetime_months")).isCloseTo(1 / h, within(1e-9));
      double mrr = latestMrr.get(r.<String>getAs("account_id"));
      assertThat(r.<Double>getAs("current_mrr")).isEqualTo(mrr);
      assertThat(r.<Double>getAs("contractual_clv"))
          .isCloseTo(ContractualClv.clv(mrr, h, settings), within(1e-6));
    }
    assertThat(scored).isEqualTo(54);
  }

  @Test
  void withoutTransactionsOnlyTheSbgAndRevenueToDateAreComputed() {
    Lakehouse lakehouse = lake("clv-no-tx", false);

    ClvJob.Report report =
        ClvJob.run(
            JobContext.create(
                spark, TestConfigs.of(Path.of(lakehouse.root()), "cslake.as-of=" + AS_OF), "clv"));

    assertThat(report.skipped()).containsExactly("bgnbd, gamma_gamma (no silver transactions)");
    assertThat(report.predictedClv()).isNull();
    assertThat(report.tables())
        .extracting(t -> t.name() + " " + t.rows())
        .containsExactly("gold/clv 160", "gold/clv_cohorts 19", "gold/clv_model_params 38");
    Dataset<Row> clv = load(lakehouse.gold("clv"));
    assertThat(clv.filter(col("x").isNotNull().or(col("predicted_clv").isNotNull())).count())
        .isZero();
    assertThat(load(lakehouse.gold("clv_model_params")).select("model").distinct().count())
        .isEqualTo(1);
  }

  @Test
  void missingInputsAreContractErrorsAndTooFewRepeatBuyersSkipBgNbd() {
    Path empty = newDir("clv-empty");
    JobContext nothing =
        JobContext.create(spark, TestConfigs.of(empty, "cslake.as-of=" + AS_OF), "clv");
    assertThatThrownBy(() -> ClvJob.run(nothing))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("no silver table 'accounts'")
        .hasMessageContaining("Run 'cslake ingest'")
        .satisfies(e -> assertThat(((CslakeException) e).exitCode()).isEqualTo(3));

    Lakehouse noMetrics = new Lakehouse(newDir("clv-no-metrics").toString());
    write(accounts, noMetrics.silver(Source.ACCOUNTS.id()));
    write(
        spark.createDataFrame(List.of(), Frames.contractSchema(Source.SUBSCRIPTIONS)),
        noMetrics.silver(Source.SUBSCRIPTIONS.id()));
    JobContext ctx =
        JobContext.create(
            spark, TestConfigs.of(Path.of(noMetrics.root()), "cslake.as-of=" + AS_OF), "clv");
    assertThatThrownBy(() -> ClvJob.run(ctx))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("account_month_mrr")
        .hasMessageContaining("Run 'cslake metrics'")
        .satisfies(e -> assertThat(((CslakeException) e).exitCode()).isEqualTo(3));

    // Transactions only, one purchase per account: no subscriptions (no sBG), no repeat buyers.
    Lakehouse single = new Lakehouse(newDir("clv-single").toString());
    write(accounts, single.silver(Source.ACCOUNTS.id()));
    write(
        transactions
            .filter(
                col("ordered_at")
                    .lt(
                        lit(
                            Timestamp.from(
                                AS_OF.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC)))))
            .dropDuplicates("account_id"),
        single.silver(Source.TRANSACTIONS.id()));
    ClvJob.Report report =
        ClvJob.run(
            JobContext.create(
                spark, TestConfigs.of(Path.of(single.root()), "cslake.as-of=" + AS_OF), "clv"));

    assertThat(report.skipped())
        .containsExactly(
            "bgnbd, gamma_gamma (0 repeat customers of 144 up to the as-of date, fewer than 20)",
            "gold/clv_cohorts (no silver subscriptions)");
    assertThat(report.tables())
        .extracting(t -> t.name() + " " + t.rows())
        .containsExactly("gold/clv 160", "gold/clv_model_params 0");
    assertThat(report.fits()).isEmpty();
  }

  private static List<String> paramNames(Dataset<Row> params, String model, String group) {
    return params
        .filter(col("model").equalTo(lit(model)).and(col("group").equalTo(lit(group))))
        .orderBy("param")
        .select("param")
        .as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
  }

  private static void write(Dataset<Row> rows, String path) {
    rows.write().format("delta").mode("overwrite").save(path);
  }

  private static Dataset<Row> load(String path) {
    return spark.read().format("delta").load(path);
  }
}
