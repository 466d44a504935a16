package io.cslake.transform.clv;

import static io.cslake.transform.clv.SpecialFunctions.hypergeometric2F1;
import static io.cslake.transform.clv.SpecialFunctions.logBeta;
import static io.cslake.transform.clv.SpecialFunctions.logGamma;
import static io.cslake.transform.clv.SpecialFunctions.logSumExp;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * The BG/NBD model of repeat purchasing in a non-contractual setting (Fader, Hardie and Lee 2005,
 * "Counting your customers the easy way: an alternative to the Pareto/NBD model", Marketing Science
 * 24(2)): while alive, a customer buys as a Poisson process of rate λ ~ Gamma(r, α); after each
 * repeat purchase they drop out with probability p ~ Beta(a, b).
 *
 * <p>The pipeline: {@link #statistics} (Spark: per customer x, t_x, T and mean repeat spend),
 * {@link #compress} (Spark aggregate to the distinct (x, t_x, T) with their counts, collected:
 * their number is bounded by the calendar, not by the customers), {@link #fit} (maximum likelihood
 * on the driver), {@link #predict} (Spark: expected purchases over a horizon and P(alive) per
 * customer).
 */
public final class BgNbd {
  /** {@code clv_model_params.model} of this model. */
  public static final String MODEL = "bgnbd";

  public static final String ACCOUNT_ID = "account_id";

  /** Repeat purchases: distinct purchase days in the calibration period − 1. */
  public static final String X = "x";

  /** Time from the first to the last purchase day, in time units. */
  public static final String T_X = "t_x";

  /** Time from the first purchase day to the calibration end, in time units. */
  public static final String T = "T";

  /** Mean of the daily-merged repeat purchase amounts; null when x = 0. */
  public static final String MEAN_REPEAT_SPEND = "mean_repeat_spend";

  /** Number of customers sharing a (x, t_x, T) in {@link #compress}. */
  public static final String CUSTOMERS = "customers";

  public static final String EXPECTED_PURCHASES = "expected_purchases";
  public static final String P_ALIVE = "p_alive";

  /** Days per time unit: weeks, the default. */
  public static final double WEEK = 7.0;

  private static final String ORDERED_AT = "ordered_at";
  private static final String AMOUNT = "amount";
  private static final String DAY = "_day";
  private static final String DAY_AMOUNT = "_day_amount";
  private static final String FIRST_DAY = "_first_day";

  private BgNbd() {}

  /** The four parameters; all > 0. */
  public record Params(double r, double alpha, double a, double b) implements Serializable {
    /** By their {@code clv_model_params.param} names: r, alpha, a, b. */
    public Map<String, Double> named() {
      Map<String, Double> named = new LinkedHashMap<>();
      named.put("r", r);
      named.put("alpha", alpha);
      named.put("a", a);
      named.put("b", b);
      return named;
    }

    public Params {
      if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) {
        throw new IllegalArgumentException(
            "Cannot use BG/NBD parameters r="
                + r
                + ", alpha="
                + alpha
                + ", a="
                + a
                + ", b="
                + b
                + ": all must be > 0");
      }
    }
  }

  /** One customer's sufficient statistics, or {@code customers} customers sharing them. */
  public record Statistics(int x, double tx, double t, long customers) {
    public Statistics {
      if (x < 0 || tx < 0 || t < tx || customers < 1 || (x == 0 && tx != 0)) {
        throw new IllegalArgumentException(
            "Cannot use statistics x="
                + x
                + ", t_x="
                + tx
                + ", T="
                + t
                + ", customers="
                + customers
                + ": need x ≥ 0, 0 ≤ t_x ≤ T (t_x = 0 when x = 0) and customers ≥ 1");
      }
    }

    /** A single customer. */
    public static Statistics of(int x, double tx, double t) {
      return new Statistics(x, tx, t, 1);
    }
  }

  /**
   * The fit: parameters, their standard errors (observed information, in the order r, alpha, a, b;
   * NaN if it is singular), the maximised log-likelihood, the number of customers and of distinct
   * tuples it was fitted on.
   */
  public record Fit(
      Params params,
      List<Double> standardErrors,
      double logLikelihood,
      long customers,
      int tuples) {}

  /** {@link #statistics(Dataset, LocalDate, double)} in weeks. */
  public static Dataset<Row> statistics(Dataset<Row> transactions, LocalDate calibrationEnd) {
    return statistics(transactions, calibrationEnd, WEEK);
  }

  /**
   * Per customer with a purchase on or before {@code calibrationEnd} (inclusive; the day of {@code
   * ordered_at} in the session time zone): purchases of the same day are merged into one of their
   * summed amount; x = purchase days − 1; t_x = days from the first to the last purchase day /
   * unit; T = days from the first purchase day to {@code calibrationEnd} / unit; mean repeat spend
   * = mean amount of the purchase days after the first (null when x = 0). Purchases after the end
   * are ignored, so customers who first bought after it have no row.
   *
   * @param transactions silver transactions: {@code account_id}, {@code ordered_at}, {@code amount}
   * @param daysPerUnit days per time unit ({@value #WEEK} for weeks)
   * @return {@value #ACCOUNT_ID}, {@value #X} (int), {@value #T_X}, {@value #T}, {@value
   *     #MEAN_REPEAT_SPEND} (double)
   */
  public static Dataset<Row> statistics(
      Dataset<Row> transactions, LocalDate calibrationEnd, double daysPerUnit) {
    if (!(daysPerUnit > 0)) {
      throw new IllegalArgumentException(
          "Cannot use a time unit of " + daysPerUnit + " days: it must be > 0");
    }
    Column end = lit(Date.valueOf(calibrationEnd));
    Dataset<Row> days =
        transactions
            .withColumn(DAY, to_date(col(ORDERED_AT)))
            .filter(col(DAY).leq(end))
            .groupBy(col(ACCOUNT_ID), col(DAY))
            .agg(sum(col(AMOUNT).cast(DataTypes.DoubleType)).as(DAY_AMOUNT));
    Column x = col(X);
    return days.groupBy(ACCOUNT_ID)
        .agg(
            min(DAY).as(FIRST_DAY),
            max(DAY).as("_last_day"),
            count(lit(1)).minus(1).cast(DataTypes.IntegerType).as(X),
            sum(DAY_AMOUNT).as("_total"),
            min_by(col(DAY_AMOUNT), col(DAY)).as("_first_amount"))
        .select(
            col(ACCOUNT_ID),
            x,
            datediff(col("_last_day"), col(FIRST_DAY)).divide(daysPerUnit).as(T_X),
            datediff(end, col(FIRST_DAY)).divide(daysPerUnit).as(T),
            when(x.gt(0), col("_total").minus(col("_first_amount")).divide(x))
                .as(MEAN_REPEAT_SPEND));
  }

  /**
   * The distinct (x, t_x, T) of {@code statistics} with their number of customers, collected to the
   * driver. With a time unit of whole days the number of tuples is bounded by x_max × days² / 2 of
   * the calibration period, however many customers there are.
   */
  public static List<Statistics> compress(Dataset<Row> statistics) {
    List<Statistics> tuples = new ArrayList<>();
    for (Row row : statistics.groupBy(X, T_X, T).agg(count(lit(1)).as(CUSTOMERS)).collectAsList()) {
      tuples.add(
          new Statistics(
              row.<Integer>getAs(X),
              row.<Double>getAs(T_X),
              row.<Double>getAs(T),
              row.<Long>getAs(CUSTOMERS)));
    }
    return tuples;
  }

  /**
   * One customer's log-likelihood (FHL 2005, eq. 6), in log space: ln[ Γ(r+x) α^r / Γ(r) ] +
   * logsumexp( ln B(a, b+x) − ln B(a, b) − (r+x) ln(α+T), [x > 0] ln B(a+1, b+x−1) − ln B(a, b) −
   * (r+x) ln(α+t_x) ).
   */
  public static double logLikelihood(Params params, int x, double tx, double t) {
    double r = params.r();
    double alpha = params.alpha();
    double common = logGamma(r + x) - logGamma(r) + r * Math.log(alpha);
    double logBetaAb = logBeta(params.a(), params.b());
    double alive = logBeta(params.a(), params.b() + x) - logBetaAb;
    double droppedOut =
        x > 0 ? logBeta(params.a() + 1, params.b() + x - 1) - logBetaAb : Double.NEGATIVE_INFINITY;
    return common
        + logSumExp(
            alive - (r + x) * Math.log(alpha + t), droppedOut - (r + x) * Math.log(alpha + tx));
  }

  /**
   * The log-likelihood of all customers in {@code tuples}: Σ customers × per-customer value. The
   * terms that depend on x alone are computed once per distinct x, the logarithms of α + t_x and α
   * + T once per distinct t_x and T.
   */
  public static double logLikelihood(Params params, List<Statistics> tuples) {
    return new Compressed(tuples).logLikelihood(params);
  }

  /** Tuples sorted by x, their t_x and T as indices into their distinct values. */
  private static final class Compressed {
    private final int[] x;
    private final int[] tx;
    private final int[] t;
    private final double[] customers;
    private final double[] times;

    Compressed(List<Statistics> tuples) {
      List<Statistics> sorted = new ArrayList<>(tuples);
      sorted.sort((u, v) -> Integer.compare(u.x(), v.x()));
      Map<Double, Integer> index = new HashMap<>();
      List<Double> values = new ArrayList<>();
      int n = sorted.size();
      x = new int[n];
      tx = new int[n];
      t = new int[n];
      customers = new double[n];
      for (int i = 0; i < n; i++) {
        Statistics s = sorted.get(i);
        x[i] = s.x();
        tx[i] = index.computeIfAbsent(s.tx(), k -> add(values, k));
        t[i] = index.computeIfAbsent(s.t(), k -> add(values, k));
        customers[i] = s.customers();
      }
      times = values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static int add(List<Double> values, double value) {
      values.add(value);
      return values.size() - 1;
    }

    double logLikelihood(Params params) {
      double r = params.r();
      double alpha = params.alpha();
      double a = params.a();
      double b = params.b();
      double[] logs = new double[times.length];
      for (int i = 0; i < times.length; i++) {
        logs[i] = Math.log(alpha + times[i]);
      }
      double logBetaAb = logBeta(a, b);
      double logGammaR = logGamma(r);
      double logAlpha = Math.log(alpha);
      int cachedX = -1;
      double common = 0;
      double alive = 0;
      double droppedOut = 0;
      double total = 0;
      for (int i = 0; i < x.length; i++) {
        int xi = x[i];
        if (xi != cachedX) {
          cachedX = xi;
          common = logGamma(r + xi) - logGammaR + r * logAlpha;
          alive = logBeta(a, b + xi) - logBetaAb;
          droppedOut = xi > 0 ? logBeta(a + 1, b + xi - 1) - logBetaAb : Double.NEGATIVE_INFINITY;
        }
        double power = r + xi;
        total +=
            customers[i]
                * (common
                    + logSumExp(alive - power * logs[t[i]], droppedOut - power * logs[tx[i]]));
      }
      return total;
    }
  }

  /**
   * Maximum-likelihood fit on the driver: Nelder–Mead over ln r, ln α, ln a, ln b, each kept in
   * [1e-6, 1e6], from three starting points; the best optimum is restarted once. The cost of an
   * evaluation is linear in the number of tuples, with one lnΓ per distinct x and one logarithm per
   * distinct time.
   */
  public static Fit fit(List<Statistics> tuples) {
    if (tuples.isEmpty()) {
      throw new IllegalArgumentException("Cannot fit the BG/NBD model: there are no customers");
    }
    Compressed compressed = new Compressed(tuples);
    long customers = 0;
    double meanT = 0;
    for (Statistics s : tuples) {
      customers += s.customers();
      meanT += s.customers() * s.t();
    }
    meanT /= customers;
    long n = customers;
    ToDoubleFunction<double[]> logLikelihood =
        p -> compressed.logLikelihood(new Params(p[0], p[1], p[2], p[3]));
    List<double[]> starts =
        List.of(
            new double[] {1, Math.max(meanT, 1e-3), 1, 1},
            new double[] {0.5, Math.max(meanT / 4, 1e-3), 0.5, 3},
            new double[] {2, Math.max(meanT * 2, 1e-3), 2, 5});
    MaximumLikelihood.Optimum optimum =
        MaximumLikelihood.maximise(p -> logLikelihood.applyAsDouble(p) / n, starts);
    double[] p = optimum.parameters();
    double[] errors = MaximumLikelihood.standardErrors(logLikelihood, p);
    return new Fit(
        new Params(p[0], p[1], p[2], p[3]),
        boxed(errors),
        optimum.logLikelihood() * n,
        customers,
        tuples.size());
  }

  static List<Double> boxed(double[] values) {
    List<Double> list = new ArrayList<>();
    for (double value : values) {
      list.add(value);
    }
    return List.copyOf(list);
  }

  /**
   * P(alive at T | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x − 1) · ((α + T) / (α + t_x))^(r+x))
   * (FHL 2005, eq. 8 in the appendix; computed in log space).
   */
  public static double probabilityAlive(Params params, int x, double tx, double t) {
    if (x == 0) {
      return 1.0;
    }
    double logOdds =
        Math.log(params.a() / (params.b() + x - 1))
            + (params.r() + x) * (Math.log(params.alpha() + t) - Math.log(params.alpha() + tx));
    return 1 / (1 + Math.exp(logOdds));
  }

  /**
   * Expected purchases of a new customer in (0, t]: E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ·
   * ₂F₁(r, b; a+b−1; t/(α+t))] (FHL 2005, eq. 7). Undefined at a = 1 exactly. Evaluated as {@link
   * #bracket} with x = 0.
   */
  public static double expectedPurchases(Params params, double t) {
    double a = params.a();
    double b = params.b();
    return (a + b - 1) / (a - 1) * bracket(params, 0, params.alpha(), t);
  }

  /**
   * Expected purchases in (T, T + t] of a customer with statistics (x, t_x, T) (FHL 2005, eq. 10):
   * [(a+b+x−1)/(a−1)] · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] / [1 + [x >
   * 0] a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)]. Undefined at a = 1 exactly. Evaluated as {@link
   * #bracket}.
   */
  public static double expectedPurchases(
      Params params, int x, double tx, double t, double horizon) {
    if (horizon == 0) {
      return 0;
    }
    double a = params.a();
    double b = params.b();
    return (a + b + x - 1)
        / (a - 1)
        * bracket(params, x, params.alpha() + t, horizon)
        * probabilityAlive(params, x, tx, t);
  }

  /**
   * 1 − (1−z)^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z) with 1 − z = s / (s + h), through Euler's
   * transformation ₂F₁(A, B; C; z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z): here C − A − B = a − 1 − r
   * − x, so the bracket is 1 − (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z). The untransformed
   * series grows like (1−z)^−x and overflows for heavy buyers (x ≳ 1000 at z = ½) before its
   * prefactor brings it back; the transformed one has numerator parameters independent of x and
   * stays of order 1.
   */
  private static double bracket(Params params, int x, double s, double h) {
    double r = params.r();
    double a = params.a();
    double b = params.b();
    double z = h / (s + h);
    double logOneMinusZ = Math.log(s / (s + h));
    return 1
        - Math.exp((a - 1) * logOneMinusZ)
            * hypergeometric2F1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  }

  /**
   * {@code statistics} with {@value #EXPECTED_PURCHASES} (over the next {@code horizon} time units)
   * and {@value #P_ALIVE} per customer, computed where the rows are: the parameters travel inside
   * the user-defined functions' closures.
   */
  public static Dataset<Row> predict(Dataset<Row> statistics, Params params, double horizon) {
    return statistics
        .withColumn(
            EXPECTED_PURCHASES,
            expectedPurchasesUdf(params, horizon).apply(col(X), col(T_X), col(T)))
        .withColumn(P_ALIVE, probabilityAliveUdf(params).apply(col(X), col(T_X), col(T)));
  }

  static UserDefinedFunction expectedPurchasesUdf(Params params, double horizon) {
    return udf(
            (UDF3<Integer, Double, Double, Double>)
                (x, tx, t) -> expectedPurchases(params, x, tx, t, horizon),
            DataTypes.DoubleType)
        .asNonNullable();
  }

  static UserDefinedFunction probabilityAliveUdf(Params params) {
    return udf(
            (UDF3<Integer, Double, Double, Double>)
                (x, tx, t) -> probabilityAlive(params, x, tx, t),
            DataTypes.DoubleType)
        .asNonNullable();
  }
}
