package io.cslake.transform.engagement;

import static io.cslake.transform.Columns.ratio;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trunc;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code gold/feature_adoption_monthly} (SPEC §5.5): per month, segment ({@value Segments#ALL} for
 * the company) and catalogue feature, the accounts and users that used the feature among those
 * active in the month. One row per catalogue feature for every (month, segment) with at least one
 * active user, zero when nobody used it. The catalogue is {@code cslake.engagement.features}, or
 * else the features the data shows in use on or before the month's last day.
 */
public final class FeatureAdoptionMonthly {
  public static final String TABLE = "feature_adoption_monthly";

  public static final String MONTH = "month";
  public static final String SEGMENT = Segments.SEGMENT;
  public static final String FEATURE = "feature";
  public static final String ACTIVE_ACCOUNTS = "active_accounts";
  public static final String ACTIVE_USERS = "active_users";
  public static final String ACCOUNTS_USING = "accounts_using";
  public static final String USERS_USING = "users_using";
  public static final String ACCOUNT_ADOPTION_RATE = "account_adoption_rate";
  public static final String USER_ADOPTION_RATE = "user_adoption_rate";

  /** Column of {@link #firstUses}: the first day a feature was used. */
  static final String FIRST_USE = "_first_use";

  private static final String ACCOUNT_ID = UserActivityDaily.ACCOUNT_ID;
  private static final String USER_ID = UserActivityDaily.USER_ID;

  private FeatureAdoptionMonthly() {}

  /**
   * Adoption of each feature.
   *
   * @param userDays {@code silver/user_activity_daily}
   * @param accounts silver accounts (account_id, segment)
   * @param asOf the last day included; months run up to its month
   */
  public static Dataset<Row> compute(
      Dataset<Row> userDays, Dataset<Row> accounts, EngagementRules rules, LocalDate asOf) {
    Dataset<Row> segments = Segments.of(accounts);
    Dataset<Row> active =
        userDays
            .filter(
                col(UserActivityDaily.EVENT_DATE)
                    .leq(lit(Date.valueOf(asOf)))
                    .and(UserActivityDaily.isActive()))
            .select(
                col(ACCOUNT_ID),
                col(USER_ID),
                trunc(col(UserActivityDaily.EVENT_DATE), "month").as(MONTH),
                col(UserActivityDaily.FEATURES));
    // One row per user and month with the features used in it; per account and month its users,
    // and per account, month and feature the users of it. From there on plain counts and sums (no
    // distinct counts), and the segment join and the company-wide rows on those small tables.
    Dataset<Row> userMonths =
        active
            .groupBy(ACCOUNT_ID, USER_ID, MONTH)
            .agg(
                array_distinct(flatten(collect_list(col(UserActivityDaily.FEATURES))))
                    .as(UserActivityDaily.FEATURES));
    Dataset<Row> accountMonths =
        userMonths.groupBy(ACCOUNT_ID, MONTH).agg(count(lit(1)).as(ACTIVE_USERS));
    Dataset<Row> totals =
        Segments.aggregateWithAll(
            Segments.tag(accountMonths, segments),
            List.of(MONTH),
            count(lit(1)).as(ACTIVE_ACCOUNTS),
            sum(ACTIVE_USERS).as(ACTIVE_USERS));
    Dataset<Row> accountFeatures =
        userMonths
            .select(
                col(ACCOUNT_ID), col(MONTH), explode(col(UserActivityDaily.FEATURES)).as(FEATURE))
            .groupBy(ACCOUNT_ID, MONTH, FEATURE)
            .agg(count(lit(1)).as(USERS_USING));
    Dataset<Row> usage =
        Segments.aggregateWithAll(
            Segments.tag(accountFeatures, segments),
            List.of(MONTH, FEATURE),
            count(lit(1)).as(ACCOUNTS_USING),
            sum(USERS_USING).as(USERS_USING));

    Dataset<Row> grid;
    if (rules.hasCatalogue()) {
      Column[] names = rules.features().stream().map(f -> lit(f)).toArray(Column[]::new);
      grid = totals.select(col(MONTH), col(SEGMENT), explode(array(names)).as(FEATURE));
    } else {
      Dataset<Row> firstMonths =
          firstUses(userDays.filter(col(UserActivityDaily.EVENT_DATE).leq(lit(Date.valueOf(asOf)))))
              .select(
                  col(FEATURE).as("_catalogue_feature"),
                  trunc(col(FIRST_USE), "month").as("_first_month"));
      grid =
          totals
              .select(MONTH, SEGMENT)
              .join(broadcast(firstMonths), col("_first_month").leq(col(MONTH)))
              .select(col(MONTH), col(SEGMENT), col("_catalogue_feature").as(FEATURE));
    }
    Dataset<Row> out = Columns.join(grid, totals, "left", MONTH, SEGMENT);
    out = Columns.join(out, usage, "left", MONTH, SEGMENT, FEATURE);
    Column accountsUsing = coalesce(col(ACCOUNTS_USING), lit(0L));
    Column usersUsing = coalesce(col(USERS_USING), lit(0L));
    return out.select(
        col(MONTH),
        col(SEGMENT),
        col(FEATURE),
        col(ACTIVE_ACCOUNTS),
        col(ACTIVE_USERS),
        accountsUsing.as(ACCOUNTS_USING),
        usersUsing.as(USERS_USING),
        ratio(accountsUsing, col(ACTIVE_ACCOUNTS)).as(ACCOUNT_ADOPTION_RATE),
        ratio(usersUsing, col(ACTIVE_USERS)).as(USER_ADOPTION_RATE));
  }

  /**
   * The first day each feature was used ({@value #FEATURE}, {@value #FIRST_USE}), from daily rows
   * with {@code event_date} and {@code features} (either rollup).
   */
  static Dataset<Row> firstUses(Dataset<Row> days) {
    return days.select(
            col(UserActivityDaily.EVENT_DATE), explode(col(UserActivityDaily.FEATURES)).as(FEATURE))
        .groupBy(FEATURE)
        .agg(min(UserActivityDaily.EVENT_DATE).as(FIRST_USE));
  }
}
