package io.cslake.transform.experience;

import static io.cslake.transform.experience.Experience.ACCOUNT_ID;
import static io.cslake.transform.experience.Experience.AS_OF_DATE;
import static io.cslake.transform.experience.Experience.MONTH;
import static io.cslake.transform.experience.Experience.SEGMENT;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.percentile;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import java.sql.Date;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Onboarding from silver milestones and subscriptions (SPEC §5.5). An account's onboarding starts
 * at the earlier of its first subscription start and its first {@code kickoff} milestone; it is
 * activated on its first {@code activated} milestone and onboarded on its first {@code
 * onboarding_complete} milestone. Onboarding days = days from the start to onboarding_complete.
 */
final class Onboarding {
  static final String KICKOFF = "kickoff";
  static final String ACTIVATED = "activated";
  static final String ONBOARDING_COMPLETE = "onboarding_complete";

  static final String STARTS = "_onboarding_starts";
  static final String ACTIVATED_IN_TIME = "_activated_in_time";

  private static final String START = "_start";
  private static final String ACTIVATED_ON = "_activated_on";
  private static final String COMPLETED_ON = "_completed_on";

  private Onboarding() {}

  /**
   * One row per account with a milestone or a subscription: start, activated and completed days.
   */
  private static Dataset<Row> journeys(
      Dataset<Row> milestones, Optional<Dataset<Row>> subscriptions) {
    Column milestone = col("milestone");
    Column day = to_date(col("reached_at"));
    Dataset<Row> reached =
        milestones
            .groupBy(ACCOUNT_ID)
            .agg(
                min(when(milestone.equalTo(lit(KICKOFF)), day)).as("_kickoff"),
                min(when(milestone.equalTo(lit(ACTIVATED)), day)).as(ACTIVATED_ON),
                min(when(milestone.equalTo(lit(ONBOARDING_COMPLETE)), day)).as(COMPLETED_ON));
    Dataset<Row> firstStart =
        subscriptions
            .map(s -> s.groupBy(ACCOUNT_ID).agg(min(col("start_date")).as("_first_start")))
            .orElse(null);
    Dataset<Row> joined =
        firstStart == null
            ? reached.withColumn("_first_start", lit(null).cast(DataTypes.DateType))
            : Columns.join(reached, firstStart, "full", ACCOUNT_ID);
    return joined.select(
        col(ACCOUNT_ID),
        least(col("_first_start"), col("_kickoff")).as(START),
        col(ACTIVATED_ON),
        col(COMPLETED_ON));
  }

  /** Onboarding days of an account: start to onboarding_complete; null before either. */
  private static Column onboardingDays() {
    return when(col(COMPLETED_ON).geq(col(START)), datediff(col(COMPLETED_ON), col(START)));
  }

  /**
   * Per month and segment: accounts starting onboarding in the month (up to the as-of date) and
   * those of them activated within {@code activationDays} days of the start (internal columns), and
   * the exact median onboarding days of the accounts completing onboarding in the month ({@code
   * onboarding_days_median}).
   */
  static Dataset<Row> monthly(
      Dataset<Row> milestones,
      Optional<Dataset<Row>> subscriptions,
      Dataset<Row> segments,
      int activationDays,
      LocalDate asOf) {
    Column asOfDay = lit(Date.valueOf(asOf));
    Dataset<Row> journeys =
        Segments.withAll(Segments.tag(journeys(milestones, subscriptions), segments)).cache();
    Dataset<Row> starts =
        journeys
            .filter(col(START).leq(asOfDay))
            .groupBy(trunc(col(START), "month").as(MONTH), col(SEGMENT))
            .agg(
                count(lit(1)).as(STARTS),
                count(
                        when(
                            col(ACTIVATED_ON)
                                .leq(asOfDay)
                                .and(
                                    datediff(col(ACTIVATED_ON), col(START))
                                        .leq(lit(activationDays))),
                            lit(1)))
                    .as(ACTIVATED_IN_TIME));
    Dataset<Row> completions =
        journeys
            .filter(col(COMPLETED_ON).leq(asOfDay).and(col(START).isNotNull()))
            .groupBy(trunc(col(COMPLETED_ON), "month").as(MONTH), col(SEGMENT))
            .agg(
                percentile(onboardingDays(), lit(0.5))
                    .as(ExperienceMonthly.ONBOARDING_DAYS_MEDIAN));
    return Columns.join(starts, completions, "full", MONTH, SEGMENT);
  }

  /**
   * Per account and as-of date: whether it reached {@code activated} by the date, and its
   * onboarding days when onboarding_complete was reached by then.
   *
   * @param keys account_id, as_of_date
   */
  static Dataset<Row> atDates(
      Dataset<Row> milestones, Optional<Dataset<Row>> subscriptions, Dataset<Row> keys) {
    Column asOf = col(AS_OF_DATE);
    return Columns.join(keys, journeys(milestones, subscriptions), "left", ACCOUNT_ID)
        .select(
            col(ACCOUNT_ID),
            col(AS_OF_DATE),
            col(ACTIVATED_ON)
                .isNotNull()
                .and(col(ACTIVATED_ON).leq(asOf))
                .as(AccountExperience.ACTIVATED),
            when(col(COMPLETED_ON).leq(asOf), onboardingDays())
                .as(AccountExperience.ONBOARDING_DAYS));
  }
}
