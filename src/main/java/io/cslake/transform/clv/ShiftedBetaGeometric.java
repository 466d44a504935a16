package io.cslake.transform.clv;

import static io.cslake.transform.clv.SpecialFunctions.hypergeometric2F1;
import static io.cslake.transform.clv.SpecialFunctions.logBeta;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.months_between;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.sum;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * The shifted-beta-geometric retention model for contractual settings (Fader and Hardie 2007, "How
 * to project customer retention", Journal of Interactive Marketing 21(1)): each customer churns at
 * the end of every period with a constant probability θ ~ Beta(α, β) across customers. Parameter
 * names follow the paper and {@code clv_model_params.param}: {@code alpha}, {@code beta} (the
 * Beta's first and second shape; in the {@code bgnbd} rows {@code alpha} is the BG/NBD's α, told
 * apart by the model column).
 *
 * <p>A cohort is observed as the number alive at periods 0..n (n = months from the cohort month to
 * the as-of month): those lost between t−1 and t churned in period t, P(T = t) = B(α+1, β+t−1) /
 * B(α, β); those alive at n are right-censored, S(n) = B(α, β+n) / B(α, β). {@link #survival}
 * builds the counts in Spark from {@code account_month_mrr}, {@link #cohorts} collects them (a few
 * hundred numbers per segment), {@link #fit} fits one cohort or a group of cohorts on the driver.
 */
public final class ShiftedBetaGeometric {
  /** {@code clv_model_params.model} of this model. */
  public static final String MODEL = "sbg";

  public static final String SEGMENT = Segments.SEGMENT;

  /** The cohort: the account's first month with MRR > 0. */
  public static final String COHORT_MONTH = "cohort_month";

  /** Months since the cohort month, 0 .. as-of month − cohort month. */
  public static final String PERIOD = "period";

  /** Accounts of the cohort whose last month with MRR > 0 is at or after cohort month + period. */
  public static final String ALIVE = "alive";

  private static final String ACCOUNT_ID = "account_id";
  private static final String LAST_PERIOD = "_last_period";
  private static final String OBSERVED = "_observed";

  private ShiftedBetaGeometric() {}

  /** The two parameters; both > 0. */
  public record Params(double alpha, double beta) implements Serializable {
    public Params {
      if (!(alpha > 0 && beta > 0)) {
        throw new IllegalArgumentException(
            "Cannot use sBG parameters alpha=" + alpha + ", beta=" + beta + ": both must be > 0");
      }
    }

    /** By their {@code clv_model_params.param} names: alpha, beta. */
    public Map<String, Double> named() {
      Map<String, Double> named = new LinkedHashMap<>();
      named.put("alpha", alpha);
      named.put("beta", beta);
      return named;
    }
  }

  /**
   * One cohort's survival counts: {@code alive[t]} alive at period t, {@code alive[0]} its size.
   */
  public record Cohort(String segment, LocalDate cohortMonth, long[] alive) {}

  /**
   * The fit: parameters, standard errors (alpha, beta; NaN if the observed information is
   * singular), the maximised log-likelihood and the number of customers (cohort sizes summed).
   */
  public record Fit(
      Params params, List<Double> standardErrors, double logLikelihood, long customers) {}

  /**
   * Survival counts per segment ({@value Segments#ALL} included), cohort month and period. An
   * account's cohort is its first month with MRR > 0 up to the as-of month, its lifetime ends after
   * its last such month: an account is alive at period t when its last month with MRR > 0 is at or
   * after cohort + t (a return after a gap counts as never having left). Accounts active in the
   * as-of month are alive at every observed period, i.e. censored at the last one.
   *
   * @param accountMonths {@code account_month_mrr}
   * @param accounts silver accounts (for the segment)
   */
  public static Dataset<Row> survival(
      Dataset<Row> accountMonths, Dataset<Row> accounts, LocalDate asOf) {
    Column asOfMonth = Columns.monthOf(asOf);
    Dataset<Row> lifetimes =
        accountMonths
            .filter(col("mrr").gt(lit(0)).and(col("month").leq(asOfMonth)))
            .groupBy(col(ACCOUNT_ID))
            .agg(min("month").as(COHORT_MONTH), max("month").as("_last_month"));
    Dataset<Row> tagged =
        Segments.withAll(Segments.tag(lifetimes, Segments.of(accounts)))
            .withColumn(
                LAST_PERIOD,
                months_between(col("_last_month"), col(COHORT_MONTH)).cast(DataTypes.IntegerType));
    Dataset<Row> byLastPeriod =
        tagged
            .groupBy(col(SEGMENT), col(COHORT_MONTH), col(LAST_PERIOD).as(PERIOD))
            .agg(count(lit(1)).as("_ending"));
    Dataset<Row> grid =
        tagged
            .select(col(SEGMENT), col(COHORT_MONTH))
            .distinct()
            .withColumn(
                OBSERVED, months_between(asOfMonth, col(COHORT_MONTH)).cast(DataTypes.IntegerType))
            .withColumn(PERIOD, explode(sequence(lit(0), col(OBSERVED))));
    return Columns.join(grid, byLastPeriod, "left", SEGMENT, COHORT_MONTH, PERIOD)
        .select(
            col(SEGMENT),
            col(COHORT_MONTH),
            col(PERIOD),
            sum(coalesce(col("_ending"), lit(0L)))
                .over(
                    Window.partitionBy(SEGMENT, COHORT_MONTH)
                        .orderBy(col(PERIOD).desc())
                        .rowsBetween(Window.unboundedPreceding(), Window.currentRow()))
                .as(ALIVE));
  }

  /**
   * The rows of {@link #survival} collected as one {@link Cohort} per segment and cohort month;
   * their number is segments × months², however many accounts there are.
   */
  public static List<Cohort> cohorts(Dataset<Row> survival) {
    Map<List<Object>, List<long[]>> points = new LinkedHashMap<>();
    for (Row row : survival.orderBy(SEGMENT, COHORT_MONTH, PERIOD).collectAsList()) {
      List<Object> key = List.of(row.getAs(SEGMENT), row.<java.sql.Date>getAs(COHORT_MONTH));
      points
          .computeIfAbsent(key, k -> new ArrayList<>())
          .add(new long[] {row.<Integer>getAs(PERIOD), row.<Long>getAs(ALIVE)});
    }
    List<Cohort> cohorts = new ArrayList<>();
    points.forEach(
        (key, list) -> {
          long[] alive = new long[list.size()];
          for (long[] point : list) {
            alive[(int) point[0]] = point[1];
          }
          cohorts.add(
              new Cohort((String) key.get(0), ((java.sql.Date) key.get(1)).toLocalDate(), alive));
        });
    return cohorts;
  }

  /** ln P(T = t) = ln B(α+1, β+t−1) − ln B(α, β), t ≥ 1: churn in period t. */
  public static double logChurnProbability(Params params, int t) {
    return logBeta(params.alpha() + 1, params.beta() + t - 1)
        - logBeta(params.alpha(), params.beta());
  }

  /** S(t) = B(α, β+t) / B(α, β): still a customer after t periods. */
  public static double survival(Params params, int t) {
    return Math.exp(
        logBeta(params.alpha(), params.beta() + t) - logBeta(params.alpha(), params.beta()));
  }

  /**
   * r(t) = S(t) / S(t−1) = (β + t − 1) / (α + β + t − 1), t ≥ 1: the retention rate of period t.
   */
  public static double retention(Params params, int t) {
    return (params.beta() + t - 1) / (params.alpha() + params.beta() + t - 1);
  }

  /** S(0..periods): the projected survival curve. */
  public static double[] projectedSurvival(Params params, int periods) {
    double[] curve = new double[periods + 1];
    curve[0] = 1;
    for (int t = 1; t <= periods; t++) {
      curve[t] = curve[t - 1] * retention(params, t);
    }
    return curve;
  }

  /**
   * E[T] = Σ_{t≥0} S(t) = (α + β − 1) / (α − 1): the expected lifetime in periods of a new customer
   * (the period of acquisition counts as one); infinite when α ≤ 1.
   */
  public static double expectedLifetime(Params params) {
    return params.alpha() > 1
        ? (params.alpha() + params.beta() - 1) / (params.alpha() - 1)
        : Double.POSITIVE_INFINITY;
  }

  /**
   * DEL(d) = Σ_{t≥0} S(t) / (1 + d)^t = ₂F₁(1, β; α + β; 1 / (1 + d)): the discounted expected
   * lifetime of a new customer (Fader and Hardie 2010, "Customer-base valuation in a contractual
   * setting: the perils of ignoring heterogeneity", Marketing Science 29(1)), d > 0 per period.
   * Multiplied by the margin per period it is the CLV of a new customer paid at the start of each
   * period.
   */
  public static double discountedExpectedLifetime(Params params, double discountRate) {
    if (!(discountRate > 0)) {
      throw new IllegalArgumentException(
          "Cannot discount at " + discountRate + " per period: the rate must be > 0");
    }
    return hypergeometric2F1(
        1, params.beta(), params.alpha() + params.beta(), 1 / (1 + discountRate));
  }

  /**
   * The log-likelihood of the cohorts: Σ_t (alive[t−1] − alive[t]) ln P(T = t) + alive[n] ln S(n)
   * per cohort.
   */
  public static double logLikelihood(Params params, List<long[]> cohorts) {
    double logBetaAb = logBeta(params.alpha(), params.beta());
    double total = 0;
    for (long[] alive : cohorts) {
      for (int t = 1; t < alive.length; t++) {
        long lost = alive[t - 1] - alive[t];
        if (lost < 0) {
          throw new IllegalArgumentException(
              "Cannot fit survival counts that grow: " + alive[t - 1] + " then " + alive[t]);
        }
        if (lost > 0) {
          total += lost * (logBeta(params.alpha() + 1, params.beta() + t - 1) - logBetaAb);
        }
      }
      long censored = alive[alive.length - 1];
      if (censored > 0) {
        total += censored * (logBeta(params.alpha(), params.beta() + alive.length - 1) - logBetaAb);
      }
    }
    return total;
  }

  /**
   * Maximum-likelihood fit on the driver of one or more cohorts (pooled: one (α, β) for all of
   * them, each with its own length of observation): Nelder–Mead over ln α, ln β in [1e-6, 1e6].
   */
  public static Fit fit(List<long[]> cohorts) {
    long customers = 0;
    for (long[] alive : cohorts) {
      customers += alive.length > 0 ? alive[0] : 0;
    }
    if (customers == 0) {
      throw new IllegalArgumentException("Cannot fit the sBG model: the cohorts are empty");
    }
    List<long[]> copy = List.copyOf(cohorts);
    ToDoubleFunction<double[]> logLikelihood = v -> logLikelihood(new Params(v[0], v[1]), copy);
    long n = customers;
    MaximumLikelihood.Optimum optimum =
        MaximumLikelihood.maximise(
            v -> logLikelihood.applyAsDouble(v) / n,
            List.of(new double[] {1, 1}, new double[] {0.5, 3}, new double[] {3, 10}));
    double[] v = optimum.parameters();
    return new Fit(
        new Params(v[0], v[1]),
        BgNbd.boxed(MaximumLikelihood.standardErrors(logLikelihood, v)),
        optimum.logLikelihood() * n,
        customers);
  }
}
