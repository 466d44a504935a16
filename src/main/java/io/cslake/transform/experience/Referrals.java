package io.cslake.transform.experience;

import static io.cslake.transform.experience.Experience.ACCOUNT_ID;
import static io.cslake.transform.experience.Experience.AS_OF_DATE;
import static io.cslake.transform.experience.Experience.MONTH;
import static io.cslake.transform.experience.Experience.SEGMENT;
import static io.cslake.transform.experience.Experience.orZero;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import io.cslake.transform.revenue.AccountMonthMrr;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Referrals from silver referrals (SPEC §5.5): referrals made and converted per month, and the
 * referral rate = active accounts that made a referral in the month / active accounts (MRR &gt; 0
 * in {@code account_month_mrr}).
 */
final class Referrals {
  static final String REFERRING_ACTIVE = "_referring_active";
  static final String ACTIVE = "_active_accounts";

  private static final String REFERRED_AT = "referred_at";
  private static final String CONVERTED_AT = "converted_at";

  private Referrals() {}

  /**
   * Per month and segment: {@code referrals} (referred in the month), {@code referral_conversions}
   * (converted in the month), and, with account months, the active accounts and those of them that
   * referred (internal columns; null without account months).
   */
  static Dataset<Row> monthly(
      Dataset<Row> referrals, Optional<Dataset<Row>> accountMonths, Dataset<Row> segments) {
    Dataset<Row> made =
        referrals.select(
            col(ACCOUNT_ID),
            trunc(col(REFERRED_AT), "month").as(MONTH),
            lit(1L).as("_made"),
            lit(0L).as("_converted"));
    Dataset<Row> converted =
        referrals
            .filter(col(CONVERTED_AT).isNotNull())
            .select(
                col(ACCOUNT_ID),
                trunc(col(CONVERTED_AT), "month").as(MONTH),
                lit(0L).as("_made"),
                lit(1L).as("_converted"));
    Dataset<Row> counts =
        Segments.withAll(Segments.tag(made.unionByName(converted), segments))
            .groupBy(MONTH, SEGMENT)
            .agg(
                sum("_made").as(ExperienceMonthly.REFERRALS),
                sum("_converted").as(ExperienceMonthly.REFERRAL_CONVERSIONS));
    if (accountMonths.isEmpty()) {
      return counts
          .withColumn(REFERRING_ACTIVE, lit(null).cast("long"))
          .withColumn(ACTIVE, lit(null).cast("long"));
    }
    Dataset<Row> referred =
        made.select(col(ACCOUNT_ID).as("_referrer"), col(MONTH).as("_referred_month")).distinct();
    Dataset<Row> active =
        accountMonths
            .get()
            .filter(col(AccountMonthMrr.MRR).gt(lit(0)))
            .select(
                col(AccountMonthMrr.ACCOUNT_ID).as(ACCOUNT_ID),
                col(AccountMonthMrr.MONTH).as(MONTH));
    Dataset<Row> flagged =
        active
            .join(
                referred,
                col(ACCOUNT_ID)
                    .equalTo(col("_referrer"))
                    .and(col(MONTH).equalTo(col("_referred_month"))),
                "left")
            .select(col(ACCOUNT_ID), col(MONTH), col("_referrer").isNotNull().as("_referred"));
    Dataset<Row> rate =
        Segments.withAll(Segments.tag(flagged, segments))
            .groupBy(MONTH, SEGMENT)
            .agg(
                count(when(col("_referred"), lit(1))).as(REFERRING_ACTIVE),
                count(lit(1)).as(ACTIVE));
    return Columns.join(counts, rate, "full", MONTH, SEGMENT);
  }

  /**
   * Per account and as-of date: referrals made and referrals converted up to the end of the date.
   *
   * @param keys account_id, as_of_date
   */
  static Dataset<Row> atDates(Dataset<Row> referrals, Dataset<Row> keys) {
    Dataset<Row> events =
        referrals
            .select(
                col(ACCOUNT_ID),
                to_date(col(REFERRED_AT)).as("_day"),
                lit(1L).as("_made"),
                lit(0L).as("_converted"))
            .unionByName(
                referrals
                    .filter(col(CONVERTED_AT).isNotNull())
                    .select(
                        col(ACCOUNT_ID),
                        to_date(col(CONVERTED_AT)).as("_day"),
                        lit(0L).as("_made"),
                        lit(1L).as("_converted")));
    Dataset<Row> running = Experience.runningAsOf(keys, events, "_day", functions::sum);
    return Columns.join(keys, running, "left", ACCOUNT_ID, AS_OF_DATE)
        .select(
            col(ACCOUNT_ID),
            col(AS_OF_DATE),
            orZero(col("_made")).as(AccountExperience.REFERRALS),
            orZero(col("_converted")).as(AccountExperience.REFERRAL_CONVERSIONS));
  }
}
