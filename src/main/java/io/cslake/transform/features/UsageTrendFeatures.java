package io.cslake.transform.features;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
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
    return sums.select(
        col(ACCOUNT_ID),
        col(AS_OF_DATE),
        ratio(AccountUsageDaily.EVENTS).as(EVENTS_RATIO_30_60),
        ratio(AccountUsageDaily.ACTIVE_USERS).as(ACTIVE_USERS_RATIO_30_60),
        ratio(AccountUsageDaily.LOGINS).as(LOGINS_RATIO_30_60),
        ratio(AccountUsageDaily.MINUTES).as(MINUTES_RATIO_30_60),
        Columns.ratio(slope, meanWeekly).as(EVENTS_TREND_8W));
  }

  private static Column ratio(String measure) {
    return Columns.ratio(
        col("_recent_" + measure).divide(lit(RECENT_DAYS)),
        col("_prior_" + measure).divide(lit(PRIOR_DAYS)));
  }
}
