package io.cslake.transform.engagement;

import static io.cslake.transform.Columns.ratio;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code gold/account_engagement} (SPEC §5.5): one row per account and as-of date, computed from
 * the daily rollups only, for any set of as-of dates in one pass (the features job computes years
 * of monthly snapshots at once). Every window ends at the as-of date, inclusive: the last 30 days
 * of 2024-03-31 are 2024-03-02..2024-03-31. Nothing after the as-of date is used.
 */
public final class AccountEngagement {
  public static final String TABLE = "account_engagement";

  /** Days in the rolling month window of MAU, stickiness and feature breadth. */
  public static final int MONTH_DAYS = 30;

  /** Days in the rolling week window of WAU. */
  public static final int WEEK_DAYS = 7;

  public static final String ACCOUNT_ID = "account_id";
  public static final String AS_OF_DATE = "as_of_date";
  public static final String DAU = "dau";
  public static final String WAU = "wau";
  public static final String MAU = "mau";
  public static final String STICKINESS = "stickiness";
  public static final String SEATS = "seats";
  public static final String USERS_SEEN = "users_seen";
  public static final String ACTIVE_USAGE_RATE = "active_usage_rate";
  public static final String EVENTS_30D = "events_30d";
  public static final String LOGINS_30D = "logins_30d";
  public static final String LOGIN_FREQUENCY = "login_frequency";
  public static final String MINUTES_30D = "minutes_30d";
  public static final String MINUTES_PER_ACTIVE_USER = "minutes_per_active_user";
  public static final String FEATURES_USED_30D = "features_used_30d";
  public static final String FEATURE_CATALOGUE = "feature_catalogue";
  public static final String FEATURE_BREADTH = "feature_breadth";
  public static final String LAST_ACTIVITY_DATE = "last_activity_date";
  public static final String DAYS_SINCE_LAST_ACTIVITY = "days_since_last_activity";
  public static final String FIRST_VALUE_DATE = "first_value_date";
  public static final String TIME_TO_FIRST_VALUE_DAYS = "time_to_first_value_days";

  /** The milestone that marks first value. */
  public static final String FIRST_VALUE = "first_value";

  private static final String ACTIVE_USER_DAYS = "_active_user_days";
  private static final String DATE = "_date";
  private static final String MARKER = "_marker";
  private static final String NEW_USERS = "_new_users";
  private static final String ACTIVE_DAY = "_active_day";
  private static final String SEAT_SUM = "_seat_sum";
  private static final String FIRST_START = "_first_start";
  private static final String MILESTONE = "_milestone";
  private static final String KEY_USE = "_key_use";
  private static final String FEATURE = "_feature";

  private AccountEngagement() {}

  /**
   * Engagement of every account created on or before each as-of date.
   *
   * @param asOfDates the dates (column {@value #AS_OF_DATE}); a small set, broadcast
   * @param accounts silver accounts (account_id, created_at)
   * @param userDays {@code silver/user_activity_daily}
   * @param accountDays {@code silver/account_usage_daily}
   * @param subscriptions silver subscriptions (seats, first start), possibly empty
   * @param milestones silver milestones ({@code first_value}), possibly empty
   */
  public static Dataset<Row> compute(
      Dataset<Row> asOfDates,
      Dataset<Row> accounts,
      Dataset<Row> userDays,
      Dataset<Row> accountDays,
      Dataset<Row> subscriptions,
      Dataset<Row> milestones,
      EngagementRules rules) {
    // The hint must sit directly under the joins: distinct() above it would hide it.
    Dataset<Row> dates =
        broadcast(
            asOfDates.select(col(AS_OF_DATE).cast(DataTypes.DateType).as(AS_OF_DATE)).distinct());
    Column asOf = col(AS_OF_DATE);
    Dataset<Row> base =
        accounts
            .select(col(ACCOUNT_ID), to_date(col("created_at")).as("_created"))
            .crossJoin(dates)
            .filter(col("_created").leq(asOf))
            .select(ACCOUNT_ID, AS_OF_DATE);

    // Users, events, logins and minutes of the last 30 days.
    Column day = col(UserActivityDaily.EVENT_DATE);
    Column active = UserActivityDaily.isActive();
    Column user = col(UserActivityDaily.USER_ID);
    Dataset<Row> recent =
        userDays
            .join(dates, lastDays(day, asOf, MONTH_DAYS))
            .groupBy(ACCOUNT_ID, AS_OF_DATE)
            .agg(
                countDistinct(when(active.and(day.equalTo(asOf)), user)).as(DAU),
                countDistinct(when(active.and(lastDays(day, asOf, WEEK_DAYS)), user)).as(WAU),
                countDistinct(when(active, user)).as(MAU),
                count(when(active, lit(1))).as(ACTIVE_USER_DAYS),
                sum(UserActivityDaily.EVENTS).as(EVENTS_30D),
                sum(UserActivityDaily.LOGINS).as(LOGINS_30D),
                sum(UserActivityDaily.MINUTES).as(MINUTES_30D));

    // Distinct features used in the last 30 days, and the catalogue they are measured against.
    Dataset<Row> used =
        accountDays
            .join(dates, lastDays(col(AccountUsageDaily.EVENT_DATE), asOf, MONTH_DAYS))
            .select(col(ACCOUNT_ID), asOf, explode(col(AccountUsageDaily.FEATURES)).as(FEATURE));
    if (rules.hasCatalogue()) {
      used = used.filter(col(FEATURE).isin(rules.features().toArray()));
    }
    used = used.groupBy(ACCOUNT_ID, AS_OF_DATE).agg(countDistinct(FEATURE).as(FEATURES_USED_30D));

    Dataset<Row> seats =
        subscriptions
            .join(
                dates,
                col("start_date")
                    .leq(asOf)
                    .and(col("end_date").isNull().or(col("end_date").gt(asOf))))
            .groupBy(ACCOUNT_ID, AS_OF_DATE)
            .agg(sum(coalesce(col("seats"), lit(0))).as(SEAT_SUM));

    Dataset<Row> out = Columns.join(base, recent, "left", ACCOUNT_ID, AS_OF_DATE);
    out = Columns.join(out, used, "left", ACCOUNT_ID, AS_OF_DATE);
    out = Columns.join(out, seats, "left", ACCOUNT_ID, AS_OF_DATE);
    out = Columns.join(out, history(base, userDays, accountDays), "left", ACCOUNT_ID, AS_OF_DATE);
    out =
        Columns.join(
            out,
            firstValueParts(subscriptions, milestones, accountDays, rules),
            "left",
            ACCOUNT_ID);
    Column catalogue;
    if (rules.hasCatalogue()) {
      catalogue = lit((long) rules.features().size());
    } else {
      out = Columns.join(out, catalogueSize(accountDays, dates), "left", AS_OF_DATE);
      catalogue = coalesce(col(FEATURE_CATALOGUE), lit(0L));
    }

    Column mau = coalesce(col(MAU), lit(0L));
    Column seatCount = when(col(SEAT_SUM).gt(lit(0)), col(SEAT_SUM));
    Column usersSeen = coalesce(col(USERS_SEEN), lit(0L));
    Column logins = coalesce(col(LOGINS_30D), lit(0L));
    Column minutes = coalesce(col(MINUTES_30D), lit(0.0));
    Column featuresUsed = coalesce(col(FEATURES_USED_30D), lit(0L));
    Column firstValue =
        coalesce(
            when(col(MILESTONE).leq(asOf), col(MILESTONE)),
            when(col(KEY_USE).leq(asOf), col(KEY_USE)));
    return out.select(
        col(ACCOUNT_ID),
        asOf,
        coalesce(col(DAU), lit(0L)).as(DAU),
        coalesce(col(WAU), lit(0L)).as(WAU),
        mau.as(MAU),
        ratio(coalesce(col(ACTIVE_USER_DAYS), lit(0L)).divide(lit((double) MONTH_DAYS)), mau)
            .as(STICKINESS),
        seatCount.as(SEATS),
        usersSeen.as(USERS_SEEN),
        ratio(mau, coalesce(seatCount, usersSeen)).as(ACTIVE_USAGE_RATE),
        coalesce(col(EVENTS_30D), lit(0L)).as(EVENTS_30D),
        logins.as(LOGINS_30D),
        ratio(logins.multiply(lit((double) WEEK_DAYS / MONTH_DAYS)), mau).as(LOGIN_FREQUENCY),
        minutes.as(MINUTES_30D),
        ratio(minutes, mau).as(MINUTES_PER_ACTIVE_USER),
        featuresUsed.as(FEATURES_USED_30D),
        catalogue.as(FEATURE_CATALOGUE),
        ratio(featuresUsed, catalogue).as(FEATURE_BREADTH),
        col(LAST_ACTIVITY_DATE),
        datediff(asOf, col(LAST_ACTIVITY_DATE)).as(DAYS_SINCE_LAST_ACTIVITY),
        firstValue.as(FIRST_VALUE_DATE),
        when(col(FIRST_START).leq(asOf), datediff(firstValue, col(FIRST_START)))
            .as(TIME_TO_FIRST_VALUE_DAYS));
  }

  /** Whether {@code day} is one of the {@code days} days ending at {@code asOf}, inclusive. */
  static Column lastDays(Column day, Column asOf, int days) {
    return day.geq(date_sub(asOf, days - 1)).and(day.leq(asOf));
  }

  /**
   * Users ever seen and the last day with an active user, up to each as-of date: the account's
   * first-seen days, active days and as-of markers in one sorted pass per account (no join of every
   * day with every as-of date).
   */
  private static Dataset<Row> history(
      Dataset<Row> base, Dataset<Row> userDays, Dataset<Row> accountDays) {
    Column noDay = lit(null).cast(DataTypes.DateType);
    Dataset<Row> firstSeen =
        userDays
            .groupBy(UserActivityDaily.ACCOUNT_ID, UserActivityDaily.USER_ID)
            .agg(min(UserActivityDaily.EVENT_DATE).as(DATE))
            .groupBy(ACCOUNT_ID, DATE)
            .agg(count(lit(1)).as(NEW_USERS))
            .select(col(ACCOUNT_ID), col(DATE), col(NEW_USERS), noDay.as(ACTIVE_DAY))
            .withColumn(MARKER, lit(false));
    Dataset<Row> activeDays =
        accountDays
            .filter(col(AccountUsageDaily.ACTIVE_USERS).gt(lit(0)))
            .select(
                col(ACCOUNT_ID),
                col(AccountUsageDaily.EVENT_DATE).as(DATE),
                lit(0L).as(NEW_USERS),
                col(AccountUsageDaily.EVENT_DATE).as(ACTIVE_DAY),
                lit(false).as(MARKER));
    Dataset<Row> markers =
        base.select(
            col(ACCOUNT_ID),
            col(AS_OF_DATE).as(DATE),
            lit(0L).as(NEW_USERS),
            noDay.as(ACTIVE_DAY),
            lit(true).as(MARKER));
    // Same-day activity sorts before the marker (false < true): the as-of date is included.
    WindowSpec upTo =
        Window.partitionBy(ACCOUNT_ID)
            .orderBy(col(DATE), col(MARKER))
            .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    return firstSeen
        .unionByName(activeDays)
        .unionByName(markers)
        .select(
            col(ACCOUNT_ID),
            col(DATE),
            col(MARKER),
            sum(NEW_USERS).over(upTo).as(USERS_SEEN),
            max(ACTIVE_DAY).over(upTo).as(LAST_ACTIVITY_DATE))
        .filter(col(MARKER))
        .select(
            col(ACCOUNT_ID), col(DATE).as(AS_OF_DATE), col(USERS_SEEN), col(LAST_ACTIVITY_DATE));
  }

  /**
   * Per account: the first subscription start, the first {@code first_value} milestone and the
   * first use of the key feature (each compared with the as-of date by the caller).
   */
  private static Dataset<Row> firstValueParts(
      Dataset<Row> subscriptions,
      Dataset<Row> milestones,
      Dataset<Row> accountDays,
      EngagementRules rules) {
    Dataset<Row> starts =
        subscriptions.groupBy(ACCOUNT_ID).agg(min(col("start_date")).as(FIRST_START));
    Dataset<Row> reached =
        milestones
            .filter(lower(trim(col("milestone"))).equalTo(lit(FIRST_VALUE)))
            .groupBy(ACCOUNT_ID)
            .agg(min(to_date(col("reached_at"))).as(MILESTONE));
    Dataset<Row> parts = Columns.join(starts, reached, "full", ACCOUNT_ID);
    if (rules.keyFeature().isPresent()) {
      Dataset<Row> keyUse =
          accountDays
              .filter(array_contains(col(AccountUsageDaily.FEATURES), rules.keyFeature().get()))
              .groupBy(ACCOUNT_ID)
              .agg(min(AccountUsageDaily.EVENT_DATE).as(KEY_USE));
      return Columns.join(parts, keyUse, "full", ACCOUNT_ID);
    }
    return parts.withColumn(KEY_USE, lit(null).cast(DataTypes.DateType));
  }

  /** Per as-of date: how many distinct features the data shows in use on or before it. */
  private static Dataset<Row> catalogueSize(Dataset<Row> accountDays, Dataset<Row> dates) {
    return FeatureAdoptionMonthly.firstUses(accountDays)
        .join(dates, col(FeatureAdoptionMonthly.FIRST_USE).leq(col(AS_OF_DATE)))
        .groupBy(AS_OF_DATE)
        .agg(count(lit(1)).as(FEATURE_CATALOGUE));
  }
}
