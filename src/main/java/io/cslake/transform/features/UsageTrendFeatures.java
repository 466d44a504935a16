package io.cslake.transform.features;

import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.engagement.AccountUsageDaily;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Usage drop (SPEC §6.1) from {@code silver/account_usage_daily}: the last 30 days against the 60
 * days before them, and the trend of weekly events over the last 8 weeks. Day d is "k days before"
 * the as-of date when {@code datediff(as_of, d) = k}; the last 30 days are k = 0..29, the 60 before
 * them k = 30..89, week w (0 = the latest) is k = 7w..7w+6.
 */
public final class UsageTrendFeatures {
  public static final String ACCOUNT_ID = ChurnLabels.ACCOUNT_ID;
  public static final String AS_OF_DATE = ChurnLabels.AS_OF_DATE;

  /** Daily means over the last 30 days ÷ daily means over the 60 days before; null when 0. */
  public static final String EVENTS_RATIO_30_60 = "events_ratio_30_60";

  public static final String ACTIVE_USERS_RATIO_30_60 = "active_users_ratio_30_60";
  public static final String LOGINS_RATIO_30_60 = "logins_ratio_30_60";
  public static final String MINUTES_RATIO_30_60 = "minutes_ratio_30_60";

  /**
   * Least-squares slope of weekly events over the last 8 weeks, per week, divided by the mean
   * weekly events (−0.1 = falling by a tenth of the average each week); null without events.
   */
  public static final String EVENTS_TREND_8W = "events_trend_8w";

  /**
   * Daily mean events of the last 30 days ÷ daily mean events of the baseline: the 12 calendar
   * months that end at least 30 days before the as-of date (from the account's first usage, when
   * later). 0 when there was no usage in the last 30 days; null without baseline usage. A level
   * long below its usual one shows here even once the fall has stopped (the 30/60 ratio is then 1).
   */
  public static final String EVENTS_RATIO_TO_BASELINE = "events_ratio_to_baseline";

  /** The same for active user-days (the sum over days of active users). */
  public static final String ACTIVE_USERS_RATIO_TO_BASELINE = "active_users_ratio_to_baseline";

  static final int BASELINE_MONTHS = 12;
  static final int RECENT_DAYS = 30;
  static final int PRIOR_DAYS = 60;
  static final int WEEKS = 8;

  private UsageTrendFeatures() {}

  /**
   * One row per account and snapshot for accounts with usage in the 90 days ending at the as-of
   * date.
   *
   * @param accountDays {@code silver/account_usage_daily}
   * @param snapshots one column {@code as_of_date}
   */
  public static Dataset<Row> compute(Dataset<Row> accountDays, Dataset<Row> snapshots) {
    Column asOf = col(AS_OF_DATE);
    Column eventDate = col(AccountUsageDaily.EVENT_DATE);
    Dataset<Row> days =
        accountDays
            .join(
                broadcast(snapshots),
                eventDate.leq(asOf).and(eventDate.gt(date_sub(asOf, RECENT_DAYS + PRIOR_DAYS))))
            .withColumn("_k", datediff(asOf, eventDate));
    Column recent = col("_k").lt(lit(RECENT_DAYS));

    List<Column> aggregates = new ArrayList<>();
    List<String> measures =
        List.of(
            AccountUsageDaily.EVENTS,
            AccountUsageDaily.ACTIVE_USERS,
            AccountUsageDaily.LOGINS,
            AccountUsageDaily.MINUTES);
    for (String m : measures) {
      Column value = col(m).cast(DataTypes.DoubleType);
      aggregates.add(sum(when(recent, value).otherwise(lit(0.0))).as("_recent_" + m));
      aggregates.add(sum(when(recent, lit(0.0)).otherwise(value)).as("_prior_" + m));
    }
    // Weekly sums for the trend: Σ x·y and Σ y over weeks x = 0..7 (x = 7 is the oldest).
    Column week = floor(col("_k").divide(lit(7)));
    Column inTrend = week.lt(lit(WEEKS));
    Column events = col(AccountUsageDaily.EVENTS).cast(DataTypes.DoubleType);
    aggregates.add(sum(when(inTrend, events).otherwise(lit(0.0))).as("_sum_y"));
    aggregates.add(
        sum(when(inTrend, events.multiply(lit(WEEKS - 1).minus(week))).otherwise(lit(0.0)))
            .as("_sum_xy"));
    Dataset<Row> sums =
        days.groupBy(col(AccountUsageDaily.ACCOUNT_ID).as(ACCOUNT_ID), asOf)
            .agg(
                aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new));

    // Weeks are x = 0..7 oldest first; x̄ = 3.5, Σ(x − x̄)² = 42.
    double meanX = (WEEKS - 1) / 2.0;
    double sxx = 0;
    for (int x = 0; x < WEEKS; x++) {
      sxx += (x - meanX) * (x - meanX);
    }
    Column slope = col("_sum_xy").minus(lit(meanX).multiply(col("_sum_y"))).divide(lit(sxx));
    Column meanWeekly = col("_sum_y").divide(lit(WEEKS));
    Dataset<Row> recentAndTrend =
        sums.select(
            col(ACCOUNT_ID),
            col(AS_OF_DATE),
            ratio(AccountUsageDaily.EVENTS).as(EVENTS_RATIO_30_60),
            ratio(AccountUsageDaily.ACTIVE_USERS).as(ACTIVE_USERS_RATIO_30_60),
            ratio(AccountUsageDaily.LOGINS).as(LOGINS_RATIO_30_60),
            ratio(AccountUsageDaily.MINUTES).as(MINUTES_RATIO_30_60),
            Columns.ratio(slope, meanWeekly).as(EVENTS_TREND_8W),
            col("_recent_" + AccountUsageDaily.EVENTS).as("_recent_events"),
            col("_recent_" + AccountUsageDaily.ACTIVE_USERS).as("_recent_users"));
    Column recentEvents = coalesce(col("_recent_events"), lit(0.0)).divide(lit(RECENT_DAYS));
    Column recentUsers = coalesce(col("_recent_users"), lit(0.0)).divide(lit(RECENT_DAYS));
    return Columns.join(
            recentAndTrend, baseline(accountDays, snapshots), "full_outer", ACCOUNT_ID, AS_OF_DATE)
        .select(
            col(ACCOUNT_ID),
            col(AS_OF_DATE),
            col(EVENTS_RATIO_30_60),
            col(ACTIVE_USERS_RATIO_30_60),
            col(LOGINS_RATIO_30_60),
            col(MINUTES_RATIO_30_60),
            col(EVENTS_TREND_8W),
            Columns.ratio(recentEvents, col("_base_events").divide(col("_base_days")))
                .as(EVENTS_RATIO_TO_BASELINE),
            Columns.ratio(recentUsers, col("_base_users").divide(col("_base_days")))
                .as(ACTIVE_USERS_RATIO_TO_BASELINE));
  }

  /**
   * Per account and snapshot: events and active user-days of the baseline months and the number of
   * days they cover from the account's first usage. Months are summed first, so each account-month
   * meets the snapshots once.
   */
  private static Dataset<Row> baseline(Dataset<Row> accountDays, Dataset<Row> snapshots) {
    Dataset<Row> months =
        accountDays
            .groupBy(
                col(AccountUsageDaily.ACCOUNT_ID).as(ACCOUNT_ID),
                trunc(col(AccountUsageDaily.EVENT_DATE), "month").as("_month"))
            .agg(
                sum(col(AccountUsageDaily.EVENTS).cast(DataTypes.DoubleType)).as("_m_events"),
                sum(col(AccountUsageDaily.ACTIVE_USERS).cast(DataTypes.DoubleType)).as("_m_users"),
                min(col(AccountUsageDaily.EVENT_DATE)).as("_m_first"));
    // The baseline ends on the last day of the month before the one holding as_of − 29 days.
    Dataset<Row> windows =
        snapshots
            .select(col(AS_OF_DATE))
            .withColumn(
                "_b_end", date_sub(trunc(date_sub(col(AS_OF_DATE), RECENT_DAYS - 1), "month"), 1))
            .withColumn("_b_start", add_months(date_add(col("_b_end"), 1), -BASELINE_MONTHS));
    return months
        .join(
            broadcast(windows),
            col("_month").geq(col("_b_start")).and(col("_month").leq(col("_b_end"))))
        .groupBy(ACCOUNT_ID, AS_OF_DATE)
        .agg(
            sum("_m_events").as("_base_events"),
            sum("_m_users").as("_base_users"),
            min("_m_first").as("_first"),
            max("_b_start").as("_b_start"),
            max("_b_end").as("_b_end"))
        .withColumn(
            "_base_days",
            datediff(col("_b_end"), greatest(col("_b_start"), col("_first"))).plus(lit(1)))
        .select(ACCOUNT_ID, AS_OF_DATE, "_base_events", "_base_users", "_base_days");
  }

  private static Column ratio(String measure) {
    return Columns.ratio(
        col("_recent_" + measure).divide(lit(RECENT_DAYS)),
        col("_prior_" + measure).divide(lit(PRIOR_DAYS)));
  }
}
