package io.cslake.transform.clv;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.nanvl;

import io.cslake.transform.Columns;
import io.cslake.transform.revenue.HistoricalClv;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The three gold tables of the {@code clv} command (SPEC §5.6): their names, column names and
 * schemas, and their assembly from the models' outputs. Pure: frames in, frame out, or driver-side
 * fits in, rows out; the job creates the frames.
 *
 * <ul>
 *   <li>{@value #CLV}: one row per account — {@link HistoricalClv}'s columns, the BG/NBD +
 *       Gamma-Gamma columns ({@link #PREDICTIVE}; null without a fit, for an account without
 *       purchases up to the as-of date, or where a value is not a number) and the contractual
 *       columns ({@link #CONTRACTUAL}; null without {@code churn_risk_scores} or for an account
 *       without a score).
 *   <li>{@value #COHORTS}: one sBG fit per segment ({@code ALL} included) and cohort month, plus
 *       one per segment over all its cohorts pooled (cohort_month null).
 *   <li>{@value #MODEL_PARAMS}: one row per fitted parameter of every model and group.
 * </ul>
 */
public final class ClvTables {
  public static final String CLV = HistoricalClv.TABLE;
  public static final String COHORTS = "clv_cohorts";
  public static final String MODEL_PARAMS = "clv_model_params";

  // --- gold/clv, predictive columns (BG/NBD + Gamma-Gamma) -----------------------------------
  public static final String X = BgNbd.X;
  public static final String T_X = BgNbd.T_X;

  /** BG/NBD's T, lower case as every column name. */
  public static final String T = "t";

  public static final String MEAN_REPEAT_SPEND = BgNbd.MEAN_REPEAT_SPEND;
  public static final String EXPECTED_PURCHASES = BgNbd.EXPECTED_PURCHASES;
  public static final String P_ALIVE = BgNbd.P_ALIVE;
  public static final String EXPECTED_SPEND = GammaGamma.EXPECTED_SPEND;
  public static final String DISCOUNTED_PURCHASES = CustomerValue.DISCOUNTED_PURCHASES;
  public static final String PREDICTED_CLV = "predicted_clv";

  /** The BG/NBD + Gamma-Gamma columns of gold/clv, in order, with their types. */
  public static final Map<String, DataType> PREDICTIVE = new LinkedHashMap<>();

  /** The contractual columns of gold/clv, in order, with their types. */
  public static final Map<String, DataType> CONTRACTUAL = new LinkedHashMap<>();

  static {
    PREDICTIVE.put(X, DataTypes.IntegerType);
    PREDICTIVE.put(T_X, DataTypes.DoubleType);
    PREDICTIVE.put(T, DataTypes.DoubleType);
    PREDICTIVE.put(MEAN_REPEAT_SPEND, DataTypes.DoubleType);
    PREDICTIVE.put(EXPECTED_PURCHASES, DataTypes.DoubleType);
    PREDICTIVE.put(P_ALIVE, DataTypes.DoubleType);
    PREDICTIVE.put(EXPECTED_SPEND, DataTypes.DoubleType);
    PREDICTIVE.put(DISCOUNTED_PURCHASES, DataTypes.DoubleType);
    PREDICTIVE.put(PREDICTED_CLV, DataTypes.DoubleType);
    CONTRACTUAL.put(ContractualClv.CHURN_PROBABILITY, DataTypes.DoubleType);
    CONTRACTUAL.put(ContractualClv.CURRENT_MRR, DataTypes.DoubleType);
    CONTRACTUAL.put(ContractualClv.MONTHLY_HAZARD, DataTypes.DoubleType);
    CONTRACTUAL.put(ContractualClv.EXPECTED_LIFETIME_MONTHS, DataTypes.DoubleType);
    CONTRACTUAL.put(ContractualClv.CONTRACTUAL_CLV, DataTypes.DoubleType);
  }

  // --- gold/clv_cohorts ------------------------------------------------------------------------
  public static final String SEGMENT = ShiftedBetaGeometric.SEGMENT;

  /** The cohort month; null on the row of a segment's cohorts pooled. */
  public static final String COHORT_MONTH = ShiftedBetaGeometric.COHORT_MONTH;

  public static final String CUSTOMERS = "customers";

  /** Months observed after the cohort month (the longest of the pooled cohorts). */
  public static final String PERIODS_OBSERVED = "periods_observed";

  public static final String ALPHA = "alpha";
  public static final String BETA = "beta";
  public static final String LOG_LIKELIHOOD = "log_likelihood";

  /** E[T] = (α+β−1)/(α−1) months; null when α ≤ 1 (the expectation is infinite). */
  public static final String EXPECTED_LIFETIME_MONTHS = "expected_lifetime_months";

  /** S(1..horizon-months): element i is the projected share still active after i + 1 months. */
  public static final String PROJECTED_RETENTION = "projected_retention";

  public static final String FITTED_AT = "fitted_at";

  public static final StructType COHORTS_SCHEMA =
      new StructType()
          .add(SEGMENT, DataTypes.StringType, false)
          .add(COHORT_MONTH, DataTypes.DateType, true)
          .add(CUSTOMERS, DataTypes.LongType, false)
          .add(PERIODS_OBSERVED, DataTypes.IntegerType, false)
          .add(ALPHA, DataTypes.DoubleType, false)
          .add(BETA, DataTypes.DoubleType, false)
          .add(LOG_LIKELIHOOD, DataTypes.DoubleType, false)
          .add(EXPECTED_LIFETIME_MONTHS, DataTypes.DoubleType, true)
          .add(PROJECTED_RETENTION, DataTypes.createArrayType(DataTypes.DoubleType, false), false)
          .add(FITTED_AT, DataTypes.TimestampType, false);

  // --- gold/clv_model_params (SPEC §5.6) ------------------------------------------------------
  public static final String MODEL = "model";
  public static final String GROUP = "group";
  public static final String PARAM = "param";
  public static final String VALUE = "value";
  public static final String N_CUSTOMERS = "n_customers";

  /** The {@code group} of a fit over every customer. */
  public static final String ALL = io.cslake.transform.Segments.ALL;

  public static final StructType MODEL_PARAMS_SCHEMA =
      new StructType()
          .add(MODEL, DataTypes.StringType, false)
          .add(GROUP, DataTypes.StringType, false)
          .add(PARAM, DataTypes.StringType, false)
          .add(VALUE, DataTypes.DoubleType, false)
          .add(LOG_LIKELIHOOD, DataTypes.DoubleType, false)
          .add(N_CUSTOMERS, DataTypes.LongType, false)
          .add(FITTED_AT, DataTypes.TimestampType, false);

  private ClvTables() {}

  /**
   * One fitted model: its {@code clv_model_params.model}, group and parameters by name.
   *
   * @param group {@value #ALL}, a segment (its cohorts pooled) or {@code segment/yyyy-MM} (one
   *     cohort)
   */
  public record ModelFit(
      String model,
      String group,
      Map<String, Double> params,
      double logLikelihood,
      long customers) {
    public ModelFit {
      params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /**
     * The parameters fitted within a factor of {@value #NEAR_BOUND} of the optimiser's bounds
     * [{@value MaximumLikelihood#LOWER}, {@value MaximumLikelihood#UPPER}]: there the likelihood
     * still rises towards the bound, so the data identify only a combination of the parameters (the
     * model's limit, e.g. an sBG without heterogeneity, a Gamma-Gamma with p γ fixed), not the
     * parameter itself.
     */
    public List<String> nearBound() {
      List<String> near = new ArrayList<>();
      for (Map.Entry<String, Double> e : params.entrySet()) {
        double v = e.getValue();
        if (v >= MaximumLikelihood.UPPER / NEAR_BOUND
            || v <= MaximumLikelihood.LOWER * NEAR_BOUND) {
          near.add(e.getKey());
        }
      }
      return near;
    }
  }

  /** How close to a bound of the optimiser a parameter is reported as at the bound (a factor). */
  public static final double NEAR_BOUND = 10;

  /**
   * One sBG fit of {@value #COHORTS}.
   *
   * @param cohortMonth empty for a segment's cohorts pooled
   * @param periodsObserved months observed after the cohort month (the longest, when pooled)
   */
  public record CohortFit(
      String segment,
      Optional<LocalDate> cohortMonth,
      int periodsObserved,
      ShiftedBetaGeometric.Fit fit) {

    /** The group of clv_model_params: the segment, or {@code segment/yyyy-MM}. */
    public String group() {
      return cohortMonth.map(m -> segment + "/" + m.toString().substring(0, 7)).orElse(segment);
    }

    public ModelFit modelFit() {
      return new ModelFit(
          ShiftedBetaGeometric.MODEL,
          group(),
          fit.params().named(),
          fit.logLikelihood(),
          fit.customers());
    }
  }

  /** The rows of {@value #MODEL_PARAMS}: one per parameter of each fit. */
  public static List<Row> modelParamRows(List<ModelFit> fits, Timestamp fittedAt) {
    List<Row> rows = new ArrayList<>();
    for (ModelFit fit : fits) {
      for (Map.Entry<String, Double> param : fit.params().entrySet()) {
        rows.add(
            RowFactory.create(
                fit.model(),
                fit.group(),
                param.getKey(),
                param.getValue(),
                fit.logLikelihood(),
                fit.customers(),
                fittedAt));
      }
    }
    return rows;
  }

  /** The rows of {@value #COHORTS}, the retention curve projected over {@code horizonMonths}. */
  public static List<Row> cohortRows(List<CohortFit> fits, int horizonMonths, Timestamp fittedAt) {
    List<Row> rows = new ArrayList<>();
    for (CohortFit c : fits) {
      ShiftedBetaGeometric.Params params = c.fit().params();
      double[] curve = ShiftedBetaGeometric.projectedSurvival(params, horizonMonths);
      List<Double> retention = new ArrayList<>();
      for (int t = 1; t <= horizonMonths; t++) {
        retention.add(curve[t]);
      }
      double lifetime = ShiftedBetaGeometric.expectedLifetime(params);
      rows.add(
          RowFactory.create(
              c.segment(),
              c.cohortMonth().map(Date::valueOf).orElse(null),
              c.fit().customers(),
              c.periodsObserved(),
              params.alpha(),
              params.beta(),
              c.fit().logLikelihood(),
              Double.isFinite(lifetime) ? lifetime : null,
              retention,
              fittedAt));
    }
    return rows;
  }

  /**
   * gold/clv: every row of {@code historical} ({@link HistoricalClv#compute}) with the predictive
   * and contractual columns joined on account_id, typed nulls where a part is absent.
   *
   * @param predicted {@link CustomerValue#compute} output (its T may be upper case)
   * @param contractual {@link ContractualClv#compute} output
   */
  public static Dataset<Row> customerValue(
      Dataset<Row> historical,
      Optional<Dataset<Row>> predicted,
      Optional<Dataset<Row>> contractual) {
    Dataset<Row> result = historical;
    if (predicted.isPresent()) {
      result =
          Columns.join(
              result,
              predicted
                  .get()
                  .select(
                      col(BgNbd.ACCOUNT_ID),
                      col(BgNbd.X),
                      col(BgNbd.T_X),
                      col(BgNbd.T).as("_t"),
                      col(BgNbd.MEAN_REPEAT_SPEND),
                      col(BgNbd.EXPECTED_PURCHASES),
                      col(BgNbd.P_ALIVE),
                      col(GammaGamma.EXPECTED_SPEND),
                      col(CustomerValue.DISCOUNTED_PURCHASES),
                      col(CustomerValue.CLV).as(PREDICTED_CLV)),
              "left",
              HistoricalClv.ACCOUNT_ID);
      result = result.withColumnRenamed("_t", T);
    }
    if (contractual.isPresent()) {
      List<Column> columns = new ArrayList<>();
      columns.add(col(ContractualClv.ACCOUNT_ID));
      CONTRACTUAL.keySet().forEach(c -> columns.add(col(c)));
      result =
          Columns.join(
              result,
              contractual.get().select(columns.toArray(Column[]::new)),
              "left",
              HistoricalClv.ACCOUNT_ID);
    }
    List<Column> out = new ArrayList<>();
    for (String c :
        List.of(
            HistoricalClv.ACCOUNT_ID,
            HistoricalClv.AS_OF_DATE,
            HistoricalClv.SUBSCRIPTION_REVENUE,
            HistoricalClv.TRANSACTION_REVENUE,
            HistoricalClv.REVENUE_TO_DATE,
            HistoricalClv.ACTIVE_MONTHS)) {
      out.add(col(c));
    }
    for (Map.Entry<String, DataType> c : PREDICTIVE.entrySet()) {
      Column value = predicted.isPresent() ? col(c.getKey()) : lit(null);
      if (c.getValue().equals(DataTypes.DoubleType)) {
        // A model value that is not a number (e.g. a series that failed at extreme parameters)
        // is stored as unknown, never as NaN.
        value = nanvl(value.cast(DataTypes.DoubleType), lit(null).cast(DataTypes.DoubleType));
      }
      out.add(value.cast(c.getValue()).as(c.getKey()));
    }
    for (Map.Entry<String, DataType> c : CONTRACTUAL.entrySet()) {
      out.add(
          (contractual.isPresent() ? col(c.getKey()) : lit(null))
              .cast(c.getValue())
              .as(c.getKey()));
    }
    return result.select(out.toArray(Column[]::new));
  }
}
