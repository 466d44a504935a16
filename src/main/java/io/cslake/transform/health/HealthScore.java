package io.cslake.transform.health;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig.HealthSettings;
import io.cslake.contract.ExpressionGuard;
import io.cslake.transform.engagement.AccountEngagement;
import io.cslake.transform.experience.AccountExperience;
import io.cslake.transform.features.BillingFeatures;
import io.cslake.transform.features.ChurnFeatures;
import io.cslake.transform.features.OrganizationFeatures;
import io.cslake.transform.features.UsageTrendFeatures;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

/**
 * {@code account_health} (SPEC §6.4): per account and as-of date of {@code churn_features}, six
 * component scores from configured formulas, their weighted mean, its band and its change since the
 * account's previous snapshot.
 *
 * <p>Component {@code i} is its formula's value clamped to [0, 100]; null (or NaN) leaves it
 * missing. The score is {@code Σ w_i c_i / Σ w_i} over the components present, so a missing
 * component's weight is shared among the others in proportion to their weights; it is null when no
 * component with a positive weight is present.
 */
public final class HealthScore {
  public static final String TABLE = "account_health";

  public static final String ACCOUNT_ID = ChurnFeatures.ACCOUNT_ID;
  public static final String AS_OF_DATE = ChurnFeatures.AS_OF_DATE;
  public static final String USAGE_SCORE = "usage_score";
  public static final String ADOPTION_SCORE = "adoption_score";
  public static final String SATISFACTION_SCORE = "satisfaction_score";
  public static final String SUPPORT_SCORE = "support_score";
  public static final String RELATIONSHIP_SCORE = "relationship_score";
  public static final String FINANCIAL_SCORE = "financial_score";

  /** The weighted mean of the components present, 0–100; null when none is. */
  public static final String HEALTH_SCORE = "health_score";

  /** {@link #GREEN}, {@link #YELLOW} or {@link #RED}; null when the score is. */
  public static final String HEALTH_BAND = "health_band";

  /** The score at the account's previous as_of_date in the input; null when none. */
  public static final String PREVIOUS_HEALTH_SCORE = "previous_health_score";

  /** health_score − previous_health_score. */
  public static final String HEALTH_SCORE_CHANGE = "health_score_change";

  public static final String GREEN = "green";
  public static final String YELLOW = "yellow";
  public static final String RED = "red";

  /** The highest and lowest score. */
  static final double MAX = 100.0;

  /**
   * Columns of {@code churn_features} that a formula may name even when the run's table lacks them
   * (their source is absent): they read as typed nulls, so the component is missing, not an error.
   */
  static final Map<String, DataType> OPTIONAL_COLUMNS = optionalColumns();

  private HealthScore() {}

  /** The score column of a component, e.g. {@code usage_score} for {@code usage}. */
  public static String scoreColumn(String component) {
    return component + "_score";
  }

  /**
   * The health of every row of {@code features}.
   *
   * @param features {@code churn_features} rows (account_id, as_of_date and any feature columns)
   * @param settings components, weights and bands
   * @return account_id, as_of_date, the six component scores, health_score, health_band,
   *     previous_health_score, health_score_change
   * @throws CslakeException (exit 2) when a formula is refused or does not resolve against {@code
   *     features}
   */
  public static Dataset<Row> compute(Dataset<Row> features, HealthSettings settings) {
    Dataset<Row> input = withOptionalColumns(features);
    Map<String, Column> formulas = formulas(features.sparkSession(), input, settings);
    List<Column> select = new ArrayList<>(List.of(col(ACCOUNT_ID), col(AS_OF_DATE)));
    formulas.forEach((name, formula) -> select.add(clamp(formula).as(scoreColumn(name))));
    Dataset<Row> components = input.select(select.toArray(Column[]::new));

    Map<String, Double> weights = new LinkedHashMap<>();
    settings.components().forEach((name, c) -> weights.put(name, c.weight()));
    Column score = col(HEALTH_SCORE);
    WindowSpec previous = Window.partitionBy(ACCOUNT_ID).orderBy(AS_OF_DATE);
    return components
        .withColumn(HEALTH_SCORE, weightedMean(weights))
        .withColumn(HEALTH_BAND, band(score, settings))
        .withColumn(PREVIOUS_HEALTH_SCORE, lag(score, 1).over(previous))
        .withColumn(HEALTH_SCORE_CHANGE, score.minus(col(PREVIOUS_HEALTH_SCORE)));
  }

  /**
   * Checks every formula against the {@code churn_features} columns of {@code schemaOf} (plus the
   * optional ones) without reading data, so a job can fail before its work starts.
   *
   * @throws CslakeException (exit 2) naming the formula's key and why
   */
  public static void check(Dataset<Row> schemaOf, HealthSettings settings) {
    formulas(schemaOf.sparkSession(), withOptionalColumns(schemaOf), settings);
  }

  /**
   * The weighted mean of the {@code <name>_score} columns present: Σ w c / Σ w over non-null
   * components with a positive weight; null when there is none.
   */
  static Column weightedMean(Map<String, Double> weights) {
    Column numerator = lit(0.0);
    Column denominator = lit(0.0);
    for (Map.Entry<String, Double> w : weights.entrySet()) {
      if (!(w.getValue() > 0)) {
        continue;
      }
      Column c = col(scoreColumn(w.getKey()));
      numerator = numerator.plus(when(c.isNotNull(), c.multiply(w.getValue())).otherwise(0.0));
      denominator = denominator.plus(when(c.isNotNull(), lit(w.getValue())).otherwise(0.0));
    }
    return when(denominator.gt(0), numerator.divide(denominator))
        .otherwise(lit(null).cast(DataTypes.DoubleType));
  }

  private static Column band(Column score, HealthSettings settings) {
    return when(score.geq(settings.green()), lit(GREEN))
        .when(score.geq(settings.yellow()), lit(YELLOW))
        .when(score.isNotNull(), lit(RED));
  }

  /** The formula's value as a double in [0, 100]; null (or NaN) stays null. */
  private static Column clamp(Column formula) {
    Column v = formula.cast(DataTypes.DoubleType);
    return when(v.isNull().or(isnan(v)), lit(null).cast(DataTypes.DoubleType))
        .when(v.lt(0.0), lit(0.0))
        .when(v.gt(MAX), lit(MAX))
        .otherwise(v);
  }

  /** Adds each optional column the input lacks as a typed null. */
  static Dataset<Row> withOptionalColumns(Dataset<Row> features) {
    Map<String, Column> missing = new LinkedHashMap<>();
    List<String> present = new ArrayList<>();
    for (String name : features.columns()) {
      present.add(name.toLowerCase(Locale.ROOT));
    }
    OPTIONAL_COLUMNS.forEach(
        (name, type) -> {
          if (!present.contains(name)) {
            missing.put(name, lit(null).cast(type));
          }
        });
    return missing.isEmpty() ? features : features.withColumns(missing);
  }

  /** Guards and resolves every formula over {@code input}'s columns; in component order. */
  private static Map<String, Column> formulas(
      SparkSession spark, Dataset<Row> input, HealthSettings settings) {
    Dataset<Row> empty = spark.createDataFrame(Collections.<Row>emptyList(), input.schema());
    Map<String, Column> formulas = new LinkedHashMap<>();
    settings.components().forEach((name, c) -> formulas.put(name, formula(spark, empty, name, c)));
    return formulas;
  }

  private static Column formula(
      SparkSession spark, Dataset<Row> empty, String name, HealthSettings.Component component) {
    String sql = component.formula();
    ExpressionGuard.Resolved resolved = ExpressionGuard.resolve(empty, sql);
    if (!resolved.isAccepted()) {
      String why = resolved.refusal().get();
      if (resolved.kind() == ExpressionGuard.Refusal.UNRESOLVED) {
        why += ". Formulas read churn_features columns: " + String.join(", ", empty.columns());
      }
      throw error(name, sql, why);
    }
    DataType type = resolved.type().get();
    if (!(type instanceof NumericType) && !type.sameType(DataTypes.NullType)) {
      throw error(
          name,
          sql,
          "it yields " + type.sql().toLowerCase(Locale.ROOT) + ", not a number from 0 to 100");
    }
    return resolved.column().get();
  }

  private static CslakeException error(String name, String sql, String why) {
    return CslakeException.usage(
        "Cannot use the formula of health component '"
            + name
            + "' ("
            + HealthSettings.formulaKey(name)
            + " = \""
            + sql.replaceAll("\\s+", " ").trim()
            + "\"): "
            + why
            + ". Fix the formula in your configuration file or with --set.");
  }

  private static Map<String, DataType> optionalColumns() {
    Map<String, DataType> m = new LinkedHashMap<>();
    DataType d = DataTypes.DoubleType;
    DataType l = DataTypes.LongType;
    DataType i = DataTypes.IntegerType;
    m.put(BillingFeatures.INVOICES_90D, l);
    m.put(BillingFeatures.FAILED_INVOICES_90D, l);
    m.put(OrganizationFeatures.ACTIVE_CONTACTS, l);
    m.put(OrganizationFeatures.ACTIVE_CHAMPIONS, l);
    m.put(OrganizationFeatures.CHAMPION_LEFT_90D, i);
    m.put(OrganizationFeatures.CHAMPION_LEFT_180D, i);
    m.put(OrganizationFeatures.DECISION_MAKER_LEFT_90D, i);
    m.put(OrganizationFeatures.CONTACTS_LOST_90D, l);
    m.put(OrganizationFeatures.DAYS_SINCE_CHAMPION_CHANGE, i);
    m.put(UsageTrendFeatures.EVENTS_RATIO_30_60, d);
    m.put(UsageTrendFeatures.ACTIVE_USERS_RATIO_30_60, d);
    m.put(UsageTrendFeatures.LOGINS_RATIO_30_60, d);
    m.put(UsageTrendFeatures.MINUTES_RATIO_30_60, d);
    m.put(UsageTrendFeatures.EVENTS_TREND_8W, d);
    m.put(UsageTrendFeatures.EVENTS_RATIO_TO_BASELINE, d);
    m.put(UsageTrendFeatures.ACTIVE_USERS_RATIO_TO_BASELINE, d);
    m.put(AccountEngagement.DAU, l);
    m.put(AccountEngagement.WAU, l);
    m.put(AccountEngagement.MAU, l);
    m.put(AccountEngagement.STICKINESS, d);
    m.put(AccountEngagement.ACTIVE_USAGE_RATE, d);
    m.put(AccountEngagement.LOGIN_FREQUENCY, d);
    m.put(AccountEngagement.MINUTES_PER_ACTIVE_USER, d);
    m.put(AccountEngagement.FEATURE_BREADTH, d);
    m.put(AccountEngagement.DAYS_SINCE_LAST_ACTIVITY, i);
    m.put(AccountEngagement.TIME_TO_FIRST_VALUE_DAYS, i);
    m.put(ChurnFeatures.FEATURE_BREADTH_CHANGE_30D, d);
    m.put(AccountExperience.LAST_NPS, d);
    m.put(AccountExperience.NPS, d);
    m.put(AccountExperience.NPS_DETRACTORS, l);
    m.put(AccountExperience.NPS_CHANGE, d);
    m.put(AccountExperience.CSAT_MEAN_90D, d);
    m.put(AccountExperience.CSAT_TREND_90D, d);
    m.put(AccountExperience.TICKETS_90D, l);
    m.put(AccountExperience.ESCALATIONS_90D, l);
    m.put(AccountExperience.BUG_REPORTS_90D, l);
    m.put(AccountExperience.TTR_MEDIAN_HOURS_90D, d);
    m.put(AccountExperience.OPEN_TICKETS, l);
    m.put(AccountExperience.ACTIVATED, DataTypes.BooleanType);
    m.put(AccountExperience.ONBOARDING_DAYS, i);
    m.put(AccountExperience.REFERRALS, l);
    m.put(AccountExperience.DAYS_SINCE_LAST_TOUCH, i);
    m.put(AccountExperience.PROACTIVE_TOUCHES_90D, l);
    return Collections.unmodifiableMap(m);
  }
}
