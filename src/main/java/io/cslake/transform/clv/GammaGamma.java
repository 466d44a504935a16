package io.cslake.transform.clv;

import static io.cslake.transform.clv.SpecialFunctions.logGamma;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie and Lee 2005, "RFM and CLV: using
 * iso-value curves for customer base analysis", Journal of Marketing Research 42(4); Fader and
 * Hardie 2013, "The Gamma-Gamma model of monetary value"): a customer's transaction values are
 * Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent of the purchase process. Fitted on
 * repeat buyers (x > 0) from x and their mean repeat spend m̄.
 *
 * <p><b>Compression.</b> m̄ is continuous, so (x, m̄) does not repeat the way the BG/NBD tuples do.
 * The log-likelihood of a customer is lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + px ln x + (px−1) ln
 * m̄ − (px+q) ln(γ + x m̄): every term but the last is linear in sums over customers of the same x
 * (count, Σ ln m̄). Only ln(γ + z), z = x m̄, needs the individual z; {@link #compress} groups
 * customers by x and by z on a logarithmic grid of step {@value #LOG_BIN_WIDTH} and keeps each
 * group's mean z. Within a group z varies by at most a factor e^0.001, and ln(γ + z) is concave in
 * z with |d² ln(γ+z)/dz²| · z² ≤ 1, so replacing each customer's ln(γ + z) by its value at the
 * group mean z errs by at most ½ · 0.001² = 5e-7 per customer (times px + q) — far below the
 * sampling noise of any fit. The number of groups is bounded by the distinct x times the grid cells
 * between the smallest and largest spend (about 2,300 per factor of 10), not by the number of
 * customers, so the fit stays on the driver; evaluating the log-likelihood in Spark at every
 * optimiser step would cost a job per step.
 */
public final class GammaGamma {
  /** {@code clv_model_params.model} of this model. */
  public static final String MODEL = "gamma_gamma";

  public static final String EXPECTED_SPEND = "expected_spend";

  /** Width of the grid of ln(x · m̄) used by {@link #compress}. */
  public static final double LOG_BIN_WIDTH = 1e-3;

  private GammaGamma() {}

  /** The three parameters; all > 0. */
  public record Params(double p, double q, double gamma) implements Serializable {
    public Params {
      if (!(p > 0 && q > 0 && gamma > 0)) {
        throw new IllegalArgumentException(
            "Cannot use Gamma-Gamma parameters p="
                + p
                + ", q="
                + q
                + ", gamma="
                + gamma
                + ": all must be > 0");
      }
    }

    /** By their {@code clv_model_params.param} names: p, q, gamma. */
    public Map<String, Double> named() {
      Map<String, Double> named = new LinkedHashMap<>();
      named.put("p", p);
      named.put("q", q);
      named.put("gamma", gamma);
      return named;
    }
  }

  /**
   * {@code customers} repeat buyers with x repeat purchases: the sum over them of ln m̄ and the
   * mean of x · m̄.
   */
  public record Statistics(int x, long customers, double sumLogMeanSpend, double meanTotalSpend) {
    public Statistics {
      if (x < 1 || customers < 1 || !(meanTotalSpend > 0)) {
        throw new IllegalArgumentException(
            "Cannot use spend statistics x="
                + x
                + ", customers="
                + customers
                + ", mean x·m̄="
                + meanTotalSpend
                + ": need x ≥ 1, customers ≥ 1 and positive spend");
      }
    }

    /** One customer with x repeat purchases of mean value {@code meanSpend}. */
    public static Statistics of(int x, double meanSpend) {
      return new Statistics(x, 1, Math.log(meanSpend), x * meanSpend);
    }
  }

  /**
   * The fit: parameters, their standard errors (in the order p, q, gamma; NaN if the observed
   * information is singular), the maximised log-likelihood and the number of customers and groups.
   */
  public record Fit(
      Params params,
      List<Double> standardErrors,
      double logLikelihood,
      long customers,
      int tuples) {}

  /**
   * Repeat buyers of {@code statistics} (x > 0 and a positive mean repeat spend) grouped by x and
   * ln(x · m̄) on a grid of width {@value #LOG_BIN_WIDTH}, collected to the driver.
   *
   * @param statistics {@link BgNbd#statistics} (its {@value BgNbd#X} and {@value
   *     BgNbd#MEAN_REPEAT_SPEND})
   */
  public static List<Statistics> compress(Dataset<Row> statistics) {
    Column spend = col(BgNbd.MEAN_REPEAT_SPEND);
    Column total = col(BgNbd.X).multiply(spend);
    List<Statistics> tuples = new ArrayList<>();
    for (Row row :
        statistics
            .filter(col(BgNbd.X).gt(0).and(spend.gt(0)))
            .groupBy(col(BgNbd.X), floor(log(total).divide(LOG_BIN_WIDTH)).as("_bin"))
            .agg(
                count(lit(1)).as("_customers"),
                sum(log(spend)).as("_sum_log"),
                avg(total).as("_mean_total"))
            .collectAsList()) {
      tuples.add(
          new Statistics(
              row.<Integer>getAs(BgNbd.X),
              row.<Long>getAs("_customers"),
              row.<Double>getAs("_sum_log"),
              row.<Double>getAs("_mean_total")));
    }
    return tuples;
  }

  /** One customer's log-likelihood of mean spend {@code meanSpend} over x repeat purchases. */
  public static double logLikelihood(Params params, int x, double meanSpend) {
    double p = params.p();
    double q = params.q();
    double gamma = params.gamma();
    return logGamma(p * x + q)
        - logGamma(p * x)
        - logGamma(q)
        + q * Math.log(gamma)
        + p * x * Math.log(x)
        + (p * x - 1) * Math.log(meanSpend)
        - (p * x + q) * Math.log(gamma + x * meanSpend);
  }

  /** The log-likelihood of all customers in {@code tuples} (exact but for the grid, see above). */
  public static double logLikelihood(Params params, List<Statistics> tuples) {
    double p = params.p();
    double q = params.q();
    double gamma = params.gamma();
    double constant = -logGamma(q) + q * Math.log(gamma);
    int cachedX = -1;
    double perCustomer = 0;
    double total = 0;
    for (Statistics s : tuples) {
      int x = s.x();
      if (x != cachedX) {
        cachedX = x;
        perCustomer = logGamma(p * x + q) - logGamma(p * x) + constant + p * x * Math.log(x);
      }
      total +=
          s.customers() * (perCustomer - (p * x + q) * Math.log(gamma + s.meanTotalSpend()))
              + (p * x - 1) * s.sumLogMeanSpend();
    }
    return total;
  }

  /**
   * Maximum-likelihood fit on the driver: Nelder–Mead over ln p, ln q, ln γ, each in [1e-6, 1e6],
   * from several starting points.
   */
  public static Fit fit(List<Statistics> tuples) {
    if (tuples.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot fit the Gamma-Gamma model: there are no repeat buyers");
    }
    List<Statistics> sorted = new ArrayList<>(tuples);
    sorted.sort((u, v) -> Integer.compare(u.x(), v.x()));
    long customers = 0;
    double purchases = 0;
    double spend = 0;
    for (Statistics s : sorted) {
      customers += s.customers();
      purchases += (double) s.customers() * s.x();
      spend += s.customers() * s.meanTotalSpend();
    }
    double meanSpend = spend / purchases;
    long n = customers;
    ToDoubleFunction<double[]> logLikelihood =
        v -> logLikelihood(new Params(v[0], v[1], v[2]), sorted);
    List<double[]> starts =
        List.of(
            new double[] {1, 2, meanSpend},
            new double[] {5, 5, 4 * meanSpend},
            new double[] {2, 10, 18 * meanSpend});
    MaximumLikelihood.Optimum optimum =
        MaximumLikelihood.maximise(v -> logLikelihood.applyAsDouble(v) / n, starts);
    double[] v = optimum.parameters();
    return new Fit(
        new Params(v[0], v[1], v[2]),
        BgNbd.boxed(MaximumLikelihood.standardErrors(logLikelihood, v)),
        optimum.logLikelihood() * n,
        customers,
        sorted.size());
  }

  /**
   * E[M | x, m̄] = p (γ + x m̄) / (p x + q − 1): the posterior mean of a customer's average
   * transaction value; with x = 0 the population mean p γ / (q − 1). NaN when q ≤ 1 − p x (the mean
   * does not exist).
   */
  public static double expectedSpend(Params params, int x, double meanSpend) {
    double denominator = params.p() * x + params.q() - 1;
    if (!(denominator > 0)) {
      return Double.NaN;
    }
    double total = x > 0 ? x * meanSpend : 0;
    return params.p() * (params.gamma() + total) / denominator;
  }

  /**
   * {@code statistics} with {@value #EXPECTED_SPEND}: {@link #expectedSpend} as column arithmetic
   * (a null mean repeat spend counts as x = 0); null where the mean does not exist.
   */
  public static Dataset<Row> predict(Dataset<Row> statistics, Params params) {
    Column x = col(BgNbd.X);
    Column total =
        when(
                x.gt(0).and(col(BgNbd.MEAN_REPEAT_SPEND).isNotNull()),
                x.multiply(col(BgNbd.MEAN_REPEAT_SPEND)))
            .otherwise(lit(0.0));
    Column effectiveX = when(col(BgNbd.MEAN_REPEAT_SPEND).isNotNull(), x).otherwise(lit(0));
    Column denominator = effectiveX.multiply(params.p()).plus(params.q() - 1);
    return statistics.withColumn(
        EXPECTED_SPEND,
        when(
            denominator.gt(0),
            total.plus(params.gamma()).multiply(params.p()).divide(denominator)));
  }
}
