package io.cslake.transform.engagement;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code silver/account_usage_daily}: one row per account and day with at least one event, rolled
 * up from {@link UserActivityDaily} in the same ingest.
 */
public final class AccountUsageDaily {
  public static final String TABLE = "account_usage_daily";

  public static final String ACCOUNT_ID = "account_id";
  public static final String EVENT_DATE = "event_date";
  public static final String ACTIVE_USERS = "active_users";
  public static final String USERS = "users";
  public static final String EVENTS = "events";
  public static final String ACTIVE_EVENTS = "active_events";
  public static final String LOGINS = "logins";
  public static final String MINUTES = "minutes";
  public static final String FEATURES_USED = "features_used";
  public static final String FEATURES = "features";

  private AccountUsageDaily() {}

  /** The rollup of {@code user_activity_daily} rows to accounts. */
  public static Dataset<Row> compute(Dataset<Row> userDays) {
    return userDays
        .groupBy(UserActivityDaily.ACCOUNT_ID, UserActivityDaily.EVENT_DATE)
        .agg(
            count(when(UserActivityDaily.isActive(), lit(1))).as(ACTIVE_USERS),
            count(lit(1)).as(USERS),
            sum(UserActivityDaily.EVENTS).as(EVENTS),
            sum(UserActivityDaily.ACTIVE_EVENTS).as(ACTIVE_EVENTS),
            sum(UserActivityDaily.LOGINS).as(LOGINS),
            sum(UserActivityDaily.MINUTES).as(MINUTES),
            array_sort(array_distinct(flatten(collect_list(UserActivityDaily.FEATURES))))
                .as(FEATURES))
        .select(
            col(ACCOUNT_ID),
            col(EVENT_DATE),
            col(ACTIVE_USERS),
            col(USERS),
            col(EVENTS),
            col(ACTIVE_EVENTS),
            col(LOGINS),
            col(MINUTES),
            size(col(FEATURES)).as(FEATURES_USED),
            col(FEATURES));
  }
}
