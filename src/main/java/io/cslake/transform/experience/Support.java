package io.cslake.transform.experience;

import static io.cslake.transform.experience.Experience.ACCOUNT_ID;
import static io.cslake.transform.experience.Experience.AS_OF_DATE;
import static io.cslake.transform.experience.Experience.MONTH;
import static io.cslake.transform.experience.Experience.RECENT_DAYS;
import static io.cslake.transform.experience.Experience.SEGMENT;
import static io.cslake.transform.experience.Experience.byEndOf;
import static io.cslake.transform.experience.Experience.hoursBetween;
import static io.cslake.transform.experience.Experience.inDays;
import static io.cslake.transform.experience.Experience.orZero;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import java.sql.Date;
import java.time.LocalDate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * Support metrics from silver support tickets (SPEC §5.5). Time to first response (TTFR) and to
 * resolution (TTR) are hours from {@code created_at}; a ticket without a first response or
 * resolution (or with one stamped before its creation) has none and is left out of the medians and
 * percentiles, which are exact ({@code percentile}, linear interpolation between the two nearest
 * values). A ticket is open at the end of a day when it was created on or before that day and not
 * resolved by its end.
 */
final class Support {
  static final String BUG = "bug";
  static final String ENHANCEMENT = "enhancement";

  static final String SUPPORT_CSAT_TOP2 = "_support_csat_top2";
  static final String OPENED = "_opened";
  static final String CLOSED = "_closed";

  private static final String CREATED_AT = "created_at";
  private static final String FIRST_RESPONSE_AT = "first_response_at";
  private static final String RESOLVED_AT = "resolved_at";
  private static final String CATEGORY = "category";
  private static final String ESCALATED = "escalated";
  private static final String CSAT = "csat";
  private static final String TTFR = "_ttfr_hours";
  private static final String TTR = "_ttr_hours";
  private static final String DAY = "_day";

  private Support() {}

  static Column median(Column hours) {
    return percentile(hours, lit(0.5));
  }

  static Column p90(Column hours) {
    return percentile(hours, lit(0.9));
  }

  /** Resolution hours of a ticket (null while unresolved). */
  static Column resolutionHours() {
    return hoursBetween(col(CREATED_AT), col(RESOLVED_AT));
  }

  /**
   * Tickets created in each month, per segment and {@value Segments#ALL}: tickets, TTFR and TTR
   * median and p90 (of the responses and resolutions made by the end of the as-of date),
   * escalations, bug reports, enhancement requests, rated tickets ({@code support_csat_responses})
   * and those rated 4–5; plus the open backlog at the end of the month (at the as-of date for the
   * as-of month) as {@code open_backlog}.
   */
  static Dataset<Row> monthly(Dataset<Row> tickets, Dataset<Row> segments, LocalDate asOf) {
    Column asOfDay = lit(Date.valueOf(asOf));
    Dataset<Row> created =
        tickets
            .filter(byEndOf(col(CREATED_AT), asOfDay))
            .select(
                col(ACCOUNT_ID),
                trunc(col(CREATED_AT), "month").as(MONTH),
                when(
                        byEndOf(col(FIRST_RESPONSE_AT), asOfDay),
                        hoursBetween(col(CREATED_AT), col(FIRST_RESPONSE_AT)))
                    .as(TTFR),
                when(byEndOf(col(RESOLVED_AT), asOfDay), resolutionHours()).as(TTR),
                col(ESCALATED),
                col(CATEGORY),
                col(CSAT));
    Dataset<Row> counts =
        Segments.withAll(Segments.tag(created, segments))
            .groupBy(MONTH, SEGMENT)
            .agg(
                count(lit(1)).as(ExperienceMonthly.TICKETS),
                median(col(TTFR)).as(ExperienceMonthly.TTFR_MEDIAN_HOURS),
                p90(col(TTFR)).as(ExperienceMonthly.TTFR_P90_HOURS),
                median(col(TTR)).as(ExperienceMonthly.TTR_MEDIAN_HOURS),
                p90(col(TTR)).as(ExperienceMonthly.TTR_P90_HOURS),
                count(when(col(ESCALATED).equalTo(lit(true)), lit(1)))
                    .as(ExperienceMonthly.ESCALATIONS),
                count(when(col(CATEGORY).equalTo(lit(BUG)), lit(1)))
                    .as(ExperienceMonthly.BUG_REPORTS),
                count(when(col(CATEGORY).equalTo(lit(ENHANCEMENT)), lit(1)))
                    .as(ExperienceMonthly.ENHANCEMENT_REQUESTS),
                count(col(CSAT)).as(ExperienceMonthly.SUPPORT_CSAT_RESPONSES),
                count(when(col(CSAT).geq(lit(4)), lit(1))).as(SUPPORT_CSAT_TOP2));
    return Columns.join(counts, backlog(tickets, segments, asOf), "full", MONTH, SEGMENT);
  }

  /**
   * The open backlog per month and segment: +1 in the month a ticket is created, −1 in the month it
   * is resolved (not before its creation, and only when resolved by the as-of date), summed over
   * every month up to M. So it is the count at the end of M, or at the as-of date for its month.
   */
  private static Dataset<Row> backlog(Dataset<Row> tickets, Dataset<Row> segments, LocalDate asOf) {
    Column asOfDay = lit(Date.valueOf(asOf));
    Dataset<Row> open =
        tickets
            .filter(byEndOf(col(CREATED_AT), asOfDay))
            .select(
                col(ACCOUNT_ID),
                trunc(col(CREATED_AT), "month").as(MONTH),
                lit(1L).as(OPENED),
                lit(0L).as(CLOSED));
    Dataset<Row> closed =
        tickets
            .filter(byEndOf(col(CREATED_AT), asOfDay).and(byEndOf(col(RESOLVED_AT), asOfDay)))
            .select(
                col(ACCOUNT_ID),
                trunc(greatest(col(RESOLVED_AT), col(CREATED_AT)), "month").as(MONTH),
                lit(0L).as(OPENED),
                lit(1L).as(CLOSED));
    Dataset<Row> perMonth =
        Segments.withAll(Segments.tag(open.unionByName(closed), segments))
            .groupBy(MONTH, SEGMENT)
            .agg(sum(OPENED).as(OPENED), sum(CLOSED).as(CLOSED));
    return perMonth.select(
        col(MONTH),
        col(SEGMENT),
        sum(col(OPENED).minus(col(CLOSED)))
            .over(
                Window.partitionBy(SEGMENT)
                    .orderBy(MONTH)
                    .rowsBetween(Window.unboundedPreceding(), Window.currentRow()))
            .as(ExperienceMonthly.OPEN_BACKLOG));
  }

  /**
   * Per account and as-of date: tickets created, escalations, bug reports and the median resolution
   * hours of tickets created in the 90 days ending at the date (resolved by then); and the open
   * tickets at the end of the date.
   *
   * @param keys account_id, as_of_date
   */
  static Dataset<Row> atDates(Dataset<Row> tickets, Dataset<Row> keys) {
    Column asOf = col(AS_OF_DATE);
    Dataset<Row> recent =
        Columns.join(
                keys,
                tickets.select(
                    col(ACCOUNT_ID),
                    to_date(col(CREATED_AT)).as(DAY),
                    col(RESOLVED_AT),
                    resolutionHours().as(TTR),
                    col(ESCALATED),
                    col(CATEGORY)),
                "inner",
                ACCOUNT_ID)
            .filter(inDays(col(DAY), asOf, RECENT_DAYS))
            .groupBy(ACCOUNT_ID, AS_OF_DATE)
            .agg(
                count(lit(1)).as(AccountExperience.TICKETS_90D),
                count(when(col(ESCALATED).equalTo(lit(true)), lit(1)))
                    .as(AccountExperience.ESCALATIONS_90D),
                count(when(col(CATEGORY).equalTo(lit(BUG)), lit(1)))
                    .as(AccountExperience.BUG_REPORTS_90D),
                median(when(byEndOf(col(RESOLVED_AT), asOf), col(TTR)))
                    .as(AccountExperience.TTR_MEDIAN_HOURS_90D));
    Dataset<Row> events =
        tickets
            .select(col(ACCOUNT_ID), to_date(col(CREATED_AT)).as(DAY), lit(1L).as("_delta"))
            .unionByName(
                tickets
                    .filter(col(RESOLVED_AT).isNotNull())
                    .select(
                        col(ACCOUNT_ID),
                        to_date(greatest(col(RESOLVED_AT), col(CREATED_AT))).as(DAY),
                        lit(-1L).as("_delta")));
    Dataset<Row> open =
        Experience.runningAsOf(keys, events, DAY, functions::sum)
            .withColumnRenamed("_delta", AccountExperience.OPEN_TICKETS);
    Dataset<Row> out = Columns.join(keys, recent, "left", ACCOUNT_ID, AS_OF_DATE);
    out = Columns.join(out, open, "left", ACCOUNT_ID, AS_OF_DATE);
    return out.select(
        col(ACCOUNT_ID),
        col(AS_OF_DATE),
        orZero(col(AccountExperience.TICKETS_90D)).as(AccountExperience.TICKETS_90D),
        orZero(col(AccountExperience.ESCALATIONS_90D)).as(AccountExperience.ESCALATIONS_90D),
        orZero(col(AccountExperience.BUG_REPORTS_90D)).as(AccountExperience.BUG_REPORTS_90D),
        col(AccountExperience.TTR_MEDIAN_HOURS_90D),
        orZero(col(AccountExperience.OPEN_TICKETS)).as(AccountExperience.OPEN_TICKETS));
  }
}
