package io.cslake.transform.experience;

import static io.cslake.transform.experience.Experience.ACCOUNT_ID;
import static io.cslake.transform.experience.Experience.AS_OF_DATE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;

import io.cslake.transform.Columns;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code gold/account_experience} (SPEC §5.5, the per-account inputs of §6): one row per account
 * and as-of date, for every account created on or before the date. It takes a set of as-of dates so
 * that monthly snapshots over years are computed in one pass; the values for a date depend only on
 * data up to the end of that date, so computing several dates at once equals computing each alone.
 * A value whose source is absent is null; a present source with nothing in the window gives 0 for
 * counts and null for scores.
 */
public final class AccountExperience {
  public static final String TABLE = "account_experience";

  public static final String ACCOUNT_ID = Experience.ACCOUNT_ID;
  public static final String AS_OF_DATE = Experience.AS_OF_DATE;
  public static final String LAST_NPS = "last_nps";
  public static final String NPS = "nps";
  public static final String NPS_RESPONDENTS = "nps_respondents";
  public static final String NPS_DETRACTORS = "nps_detractors";
  public static final String NPS_CHANGE = "nps_change";
  public static final String CSAT_MEAN_90D = "csat_mean_90d";
  public static final String CSAT_TREND_90D = "csat_trend_90d";
  public static final String TICKETS_90D = "tickets_90d";
  public static final String ESCALATIONS_90D = "escalations_90d";
  public static final String BUG_REPORTS_90D = "bug_reports_90d";
  public static final String TTR_MEDIAN_HOURS_90D = "ttr_median_hours_90d";
  public static final String OPEN_TICKETS = "open_tickets";
  public static final String ACTIVATED = "activated";
  public static final String ONBOARDING_DAYS = "onboarding_days";
  public static final String REFERRALS = "referrals";
  public static final String REFERRAL_CONVERSIONS = "referral_conversions";
  public static final String DAYS_SINCE_LAST_TOUCH = "days_since_last_touch";
  public static final String PROACTIVE_TOUCHES_90D = "proactive_touches_90d";

  private static final DataType LONG = DataTypes.LongType;
  private static final DataType DOUBLE = DataTypes.DoubleType;
  private static final DataType INT = DataTypes.IntegerType;

  private AccountExperience() {}

  /**
   * The settings the per-account values need.
   *
   * @param npsWindowDays days of responses in an account's NPS
   */
  public record Settings(int npsWindowDays) {}

  /**
   * The per-account values at each date of {@code asOfDates}.
   *
   * @param asOfDates one column {@code as_of_date} (date), one row per date
   */
  public static Dataset<Row> compute(
      Dataset<Row> asOfDates, ExperienceInputs in, Settings settings) {
    Dataset<Row> keys =
        in.accounts()
            .select(col(ACCOUNT_ID), to_date(col("created_at")).as("_created"))
            .crossJoin(asOfDates.select(col(AS_OF_DATE).cast(DataTypes.DateType).as(AS_OF_DATE)))
            .filter(col("_created").leq(col(AS_OF_DATE)))
            .select(ACCOUNT_ID, AS_OF_DATE);
    Dataset<Row> out = keys;
    out =
        add(
            out,
            keys,
            in.surveys().map(s -> k -> Satisfaction.atDates(s, k, settings.npsWindowDays())),
            nul(LAST_NPS, DOUBLE),
            nul(NPS, DOUBLE),
            nul(NPS_RESPONDENTS, LONG),
            nul(NPS_DETRACTORS, LONG),
            nul(NPS_CHANGE, DOUBLE),
            nul(CSAT_MEAN_90D, DOUBLE),
            nul(CSAT_TREND_90D, DOUBLE));
    out =
        add(
            out,
            keys,
            in.supportTickets().map(t -> k -> Support.atDates(t, k)),
            nul(TICKETS_90D, LONG),
            nul(ESCALATIONS_90D, LONG),
            nul(BUG_REPORTS_90D, LONG),
            nul(TTR_MEDIAN_HOURS_90D, DOUBLE),
            nul(OPEN_TICKETS, LONG));
    out =
        add(
            out,
            keys,
            in.milestones().map(m -> k -> Onboarding.atDates(m, in.subscriptions(), k)),
            nul(ACTIVATED, DataTypes.BooleanType),
            nul(ONBOARDING_DAYS, INT));
    out =
        add(
            out,
            keys,
            in.referrals().map(r -> k -> Referrals.atDates(r, k)),
            nul(REFERRALS, LONG),
            nul(REFERRAL_CONVERSIONS, LONG));
    out =
        add(
            out,
            keys,
            in.csmActivities().map(a -> k -> CsmTouches.atDates(a, k)),
            nul(DAYS_SINCE_LAST_TOUCH, INT),
            nul(PROACTIVE_TOUCHES_90D, LONG));
    return out;
  }

  private static Column nul(String name, DataType type) {
    return lit(null).cast(type).as(name);
  }

  private static Dataset<Row> add(
      Dataset<Row> out,
      Dataset<Row> keys,
      Optional<Function<Dataset<Row>, Dataset<Row>>> family,
      Column... nulls) {
    if (family.isEmpty()) {
      List<Column> cols = new ArrayList<>();
      for (String c : out.columns()) {
        cols.add(col(c));
      }
      cols.addAll(List.of(nulls));
      return out.select(cols.toArray(Column[]::new));
    }
    return Columns.join(out, family.get().apply(keys), "left", ACCOUNT_ID, AS_OF_DATE);
  }
}
