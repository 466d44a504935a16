package io.cslake.transform.engagement;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code silver/user_activity_daily}: one row per account, user and day with at least one event,
 * rolled up from validated usage events by {@code ingest} (the only reader of usage events). Counts
 * every event; only <em>qualifying</em> events ({@link EngagementRules#activeEventTypes()}) make
 * the user active and count as feature use.
 */
public final class UserActivityDaily {
  public static final String TABLE = "user_activity_daily";

  public static final String ACCOUNT_ID = "account_id";
  public static final String USER_ID = "user_id";
  public static final String EVENT_DATE = "event_date";
  public static final String EVENTS = "events";
  public static final String ACTIVE_EVENTS = "active_events";
  public static final String LOGINS = "logins";
  public static final String MINUTES = "minutes";
  public static final String FEATURES_USED = "features_used";
  public static final String FEATURES = "features";

  private UserActivityDaily() {}

  /** Whether the user was active on the row's day. */
  static Column isActive() {
    return col(ACTIVE_EVENTS).gt(lit(0));
  }

  /**
   * The rollup.
   *
   * @param events silver usage events (account_id, user_id, event_type, feature, duration_sec,
   *     event_date)
   */
  public static Dataset<Row> compute(Dataset<Row> events, EngagementRules rules) {
    Column type = col("event_type");
    Column qualifying = rules.isActive(type);
    return events
        .groupBy(ACCOUNT_ID, USER_ID, EVENT_DATE)
        .agg(
            count(lit(1)).as(EVENTS),
            count(when(qualifying, lit(1))).as(ACTIVE_EVENTS),
            count(when(rules.isLogin(type), lit(1))).as(LOGINS),
            coalesce(sum(col("duration_sec")), lit(0.0)).divide(lit(60.0)).as(MINUTES),
            array_sort(collect_set(when(qualifying, col("feature")))).as(FEATURES))
        .select(
            col(ACCOUNT_ID),
            col(USER_ID),
            col(EVENT_DATE),
            col(EVENTS),
            col(ACTIVE_EVENTS),
            col(LOGINS),
            col(MINUTES),
            size(col(FEATURES)).as(FEATURES_USED),
            col(FEATURES));
  }
}
