package io.cslake.transform.clv;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import java.io.Serializable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.types.DataTypes;

/**
 * Customer lifetime value in the non-contractual setting from a BG/NBD and a Gamma-Gamma fit (SPEC
 * §5.6; Fader, Hardie and Lee 2005, "RFM and CLV"):
 *
 * <pre>
 *   CLV = margin × E[M | x, m̄] × Σ_{k=1..H} ( E[Y(k·L) | x, t_x, T] − E[Y((k−1)·L) | x, t_x, T] ) / (1 + d)^k
 * </pre>
 *
 * where E[Y(t) | …] is the BG/NBD's expected purchases in the next t time units, L = 365.25 / 12
 * days / days per unit the length of a month in time units, H the horizon in months and d the
 * monthly discount rate: the purchases expected in month k are discounted at the end of month k.
 * Each customer costs H evaluations of the hypergeometric series.
 */
public final class CustomerValue {
  public static final String DISCOUNTED_PURCHASES = "discounted_purchases";
  public static final String CLV = "clv";

  /** Days in an average month. */
  public static final double DAYS_PER_MONTH = 365.25 / 12;

  private CustomerValue() {}

  /**
   * @param horizonMonths H ≥ 1
   * @param discountRateMonthly d ≥ 0
   * @param grossMargin the fraction of spend that is margin, in (0, 1]
   * @param daysPerUnit the BG/NBD time unit, in days
   */
  public record Settings(
      int horizonMonths, double discountRateMonthly, double grossMargin, double daysPerUnit)
      implements Serializable {
    public Settings {
      if (horizonMonths < 1) {
        throw new IllegalArgumentException(
            "Cannot value customers over " + horizonMonths + " months: the horizon must be ≥ 1");
      }
      if (!(discountRateMonthly >= 0)) {
        throw new IllegalArgumentException(
            "Cannot discount at " + discountRateMonthly + " per month: the rate must be ≥ 0");
      }
      if (!(grossMargin > 0 && grossMargin <= 1)) {
        throw new IllegalArgumentException(
            "Cannot use a gross margin of " + grossMargin + ": it must be in (0, 1]");
      }
      if (!(daysPerUnit > 0)) {
        throw new IllegalArgumentException(
            "Cannot use a time unit of " + daysPerUnit + " days: it must be > 0");
      }
    }

    /** The horizon in BG/NBD time units. */
    public double horizonUnits() {
      return horizonMonths * DAYS_PER_MONTH / daysPerUnit;
    }
  }

  /** Σ_{k=1..H} (E[Y(k·L)] − E[Y((k−1)·L)]) / (1 + d)^k for one customer. */
  public static double discountedPurchases(
      BgNbd.Params params, Settings settings, int x, double tx, double t) {
    double month = DAYS_PER_MONTH / settings.daysPerUnit();
    double previous = 0;
    double total = 0;
    double discount = 1;
    for (int k = 1; k <= settings.horizonMonths(); k++) {
      double cumulative = BgNbd.expectedPurchases(params, x, tx, t, k * month);
      discount /= 1 + settings.discountRateMonthly();
      total += (cumulative - previous) * discount;
      previous = cumulative;
    }
    return total;
  }

  /** The CLV of one customer (mean repeat spend ignored when x = 0). */
  public static double clv(
      BgNbd.Params purchases,
      GammaGamma.Params spend,
      Settings settings,
      int x,
      double tx,
      double t,
      double meanRepeatSpend) {
    return settings.grossMargin()
        * GammaGamma.expectedSpend(spend, x, meanRepeatSpend)
        * discountedPurchases(purchases, settings, x, tx, t);
  }

  /**
   * {@code statistics} ({@link BgNbd#statistics}) with, per customer, {@value
   * BgNbd#EXPECTED_PURCHASES} over the horizon, {@value BgNbd#P_ALIVE}, {@value
   * GammaGamma#EXPECTED_SPEND}, {@value #DISCOUNTED_PURCHASES} and {@value #CLV} (null where the
   * expected spend does not exist), computed where the rows are.
   */
  public static Dataset<Row> compute(
      Dataset<Row> statistics, BgNbd.Params purchases, GammaGamma.Params spend, Settings settings) {
    Dataset<Row> predicted =
        GammaGamma.predict(BgNbd.predict(statistics, purchases, settings.horizonUnits()), spend);
    return predicted
        .withColumn(
            DISCOUNTED_PURCHASES,
            udf(
                    (UDF3<Integer, Double, Double, Double>)
                        (x, tx, t) -> discountedPurchases(purchases, settings, x, tx, t),
                    DataTypes.DoubleType)
                .asNonNullable()
                .apply(col(BgNbd.X), col(BgNbd.T_X), col(BgNbd.T)))
        .withColumn(
            CLV,
            col(GammaGamma.EXPECTED_SPEND)
                .multiply(col(DISCOUNTED_PURCHASES))
                .multiply(settings.grossMargin()));
  }
}
