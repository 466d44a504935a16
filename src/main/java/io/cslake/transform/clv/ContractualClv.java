package io.cslake.transform.clv;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import java.io.Serializable;
import java.sql.Date;
import java.time.LocalDate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Contractual CLV per account (SPEC §5.6) from the account's calibrated churn probability (SPEC
 * §6.3, {@code gold/churn_risk_scores}) and its current MRR. With p the probability of churning
 * within the scoring horizon of H days, M = 365.25 / 12 = 30.4375 days a month, N the CLV horizon
 * in months, d the monthly discount rate and m the gross margin:
 *
 * <pre>
 *   monthly hazard            h   = 1 − (1 − p)^(M / H)
 *   expected lifetime (months) E  = Σ_{t≥0} (1 − h)^t = 1 / h          (null when h = 0: infinite)
 *   contractual CLV            CLV = Σ_{t=1..N} MRR × m × (1 − h)^t / (1 + d)^t
 * </pre>
 *
 * The hazard is constant: the probability of surviving H days, 1 − p, spread evenly over the months
 * it spans. The expected lifetime counts the current month, as the sBG's E[T] does. Month t's
 * margin is earned only if the account survives t more months, and is discounted at the end of
 * month t; the current month is not counted (it is already revenue to date). In Spark the sum is
 * its closed form q (1 − q^N) / (1 − q), q = (1 − h) / (1 + d) (N when q = 1).
 */
public final class ContractualClv {
  /** The scoring table read: {@code gold/churn_risk_scores}. */
  public static final String SCORES_TABLE = "churn_risk_scores";

  public static final String ACCOUNT_ID = "account_id";

  /** Of {@code churn_risk_scores}: the date scored. */
  public static final String AS_OF_DATE = "as_of_date";

  /** Of {@code churn_risk_scores}, and kept in the output: the calibrated probability. */
  public static final String CHURN_PROBABILITY = "churn_probability";

  /** The MRR of the account's latest month in {@code account_month_mrr} up to the as-of month. */
  public static final String CURRENT_MRR = "current_mrr";

  public static final String MONTHLY_HAZARD = "monthly_hazard";
  public static final String EXPECTED_LIFETIME_MONTHS = "expected_lifetime_months";
  public static final String CONTRACTUAL_CLV = "contractual_clv";

  private ContractualClv() {}

  /**
   * @param horizonMonths N ≥ 1
   * @param discountRateMonthly d ≥ 0
   * @param grossMargin m in [0, 1]
   * @param scoreHorizonDays H > 0: the churn probability is of churning within H days
   */
  public record Settings(
      int horizonMonths, double discountRateMonthly, double grossMargin, double scoreHorizonDays)
      implements Serializable {
    public Settings {
      if (horizonMonths < 1) {
        throw new IllegalArgumentException(
            "Cannot value accounts over " + horizonMonths + " months: the horizon must be ≥ 1");
      }
      if (!(discountRateMonthly >= 0)) {
        throw new IllegalArgumentException(
            "Cannot discount at " + discountRateMonthly + " per month: the rate must be ≥ 0");
      }
      if (!(grossMargin >= 0 && grossMargin <= 1)) {
        throw new IllegalArgumentException(
            "Cannot use a gross margin of " + grossMargin + ": it must be in [0, 1]");
      }
      if (!(scoreHorizonDays > 0)) {
        throw new IllegalArgumentException(
            "Cannot use a scoring horizon of " + scoreHorizonDays + " days: it must be > 0");
      }
    }
  }

  /** h = 1 − (1 − p)^(30.4375 / H), p clamped to [0, 1]. */
  public static double monthlyHazard(double churnProbability, double scoreHorizonDays) {
    double p = Math.min(1, Math.max(0, churnProbability));
    return 1 - Math.pow(1 - p, CustomerValue.DAYS_PER_MONTH / scoreHorizonDays);
  }

  /** 1 / h months; infinite when h = 0. */
  public static double expectedLifetimeMonths(double monthlyHazard) {
    return monthlyHazard > 0 ? 1 / monthlyHazard : Double.POSITIVE_INFINITY;
  }

  /** Σ_{t=1..N} mrr × m × (1 − h)^t / (1 + d)^t, summed term by term. */
  public static double clv(double mrr, double monthlyHazard, Settings settings) {
    double total = 0;
    double factor = 1;
    for (int t = 1; t <= settings.horizonMonths(); t++) {
      factor *= (1 - monthlyHazard) / (1 + settings.discountRateMonthly());
      total += mrr * settings.grossMargin() * factor;
    }
    return total;
  }

  /**
   * Per scored account: its latest churn probability scored on or before {@code asOf}, its current
   * MRR, the monthly hazard, expected lifetime and contractual CLV. An account scored but without a
   * row in {@code account_month_mrr} (e.g. transactions only) has a null MRR and CLV.
   *
   * @param scores {@code churn_risk_scores}: {@value #ACCOUNT_ID}, {@value #AS_OF_DATE}, {@value
   *     #CHURN_PROBABILITY}
   * @param accountMonths {@code account_month_mrr}: account_id, month, mrr
   * @return {@value #ACCOUNT_ID}, {@value #CHURN_PROBABILITY}, {@value #CURRENT_MRR} (double),
   *     {@value #MONTHLY_HAZARD}, {@value #EXPECTED_LIFETIME_MONTHS}, {@value #CONTRACTUAL_CLV}
   *     (double)
   */
  public static Dataset<Row> compute(
      Dataset<Row> scores, Dataset<Row> accountMonths, Settings settings, LocalDate asOf) {
    Dataset<Row> latestScore =
        scores
            .filter(
                col(AS_OF_DATE)
                    .leq(lit(Date.valueOf(asOf)))
                    .and(col(CHURN_PROBABILITY).isNotNull()))
            .groupBy(col(ACCOUNT_ID))
            .agg(
                max_by(col(CHURN_PROBABILITY).cast(DataTypes.DoubleType), col(AS_OF_DATE))
                    .as(CHURN_PROBABILITY));
    Dataset<Row> currentMrr =
        accountMonths
            .filter(col("month").leq(Columns.monthOf(asOf)))
            .groupBy(col(ACCOUNT_ID))
            .agg(max_by(col("mrr").cast(DataTypes.DoubleType), col("month")).as(CURRENT_MRR));
    Column p = least(lit(1.0), greatest(lit(0.0), col(CHURN_PROBABILITY)));
    Column hazard =
        lit(1.0)
            .minus(
                pow(lit(1.0).minus(p), CustomerValue.DAYS_PER_MONTH / settings.scoreHorizonDays()));
    Column q = lit(1.0).minus(col(MONTHLY_HAZARD)).divide(1 + settings.discountRateMonthly());
    int n = settings.horizonMonths();
    Column discountedMonths =
        when(abs(q.minus(1)).lt(1e-12), lit((double) n))
            .otherwise(q.multiply(lit(1.0).minus(pow(q, n))).divide(lit(1.0).minus(q)));
    return Columns.join(latestScore, currentMrr, "left", ACCOUNT_ID)
        .withColumn(MONTHLY_HAZARD, hazard)
        .select(
            col(ACCOUNT_ID),
            col(CHURN_PROBABILITY),
            col(CURRENT_MRR),
            col(MONTHLY_HAZARD),
            when(col(MONTHLY_HAZARD).gt(0), lit(1.0).divide(col(MONTHLY_HAZARD)))
                .as(EXPECTED_LIFETIME_MONTHS),
            col(CURRENT_MRR)
                .multiply(settings.grossMargin())
                .multiply(discountedMonths)
                .as(CONTRACTUAL_CLV));
  }
}
