package io.cslake.transform.experience;

import static io.cslake.transform.experience.Experience.ACCOUNT_ID;
import static io.cslake.transform.experience.Experience.AS_OF_DATE;
import static io.cslake.transform.experience.Experience.MONTH;
import static io.cslake.transform.experience.Experience.RECENT_DAYS;
import static io.cslake.transform.experience.Experience.SEGMENT;
import static io.cslake.transform.experience.Experience.inDays;
import static io.cslake.transform.experience.Experience.orZero;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * CSM touches from silver csm_activities (SPEC §5.5): every activity is a touch; a proactive one
 * has {@code proactive = true} (null counts as not proactive).
 */
final class CsmTouches {
  static final String ACTIVITY_AT = "activity_at";
  static final String PROACTIVE = "proactive";
  static final String CSM_ID = "csm_id";

  private CsmTouches() {}

  static Column isProactive() {
    return col(PROACTIVE).equalTo(lit(true));
  }

  /** Per month and segment: {@code csm_touches} and {@code proactive_touches}. */
  static Dataset<Row> monthly(Dataset<Row> activities, Dataset<Row> segments) {
    Dataset<Row> rows =
        activities.select(
            col(ACCOUNT_ID), trunc(col(ACTIVITY_AT), "month").as(MONTH), col(PROACTIVE));
    return Segments.withAll(Segments.tag(rows, segments))
        .groupBy(MONTH, SEGMENT)
        .agg(
            count(lit(1)).as(ExperienceMonthly.CSM_TOUCHES),
            count(when(isProactive(), lit(1))).as(ExperienceMonthly.PROACTIVE_TOUCHES));
  }

  /**
   * Per account and as-of date: days since the last touch on or before the date (null if none) and
   * proactive touches in the 90 days ending at the date.
   *
   * @param keys account_id, as_of_date
   */
  static Dataset<Row> atDates(Dataset<Row> activities, Dataset<Row> keys) {
    Dataset<Row> days =
        activities.select(
            col(ACCOUNT_ID),
            to_date(col(ACTIVITY_AT)).as("_day"),
            to_date(col(ACTIVITY_AT)).as("_last_touch"));
    Dataset<Row> last = Experience.runningAsOf(keys, days, "_day", functions::max);
    Dataset<Row> proactive =
        Columns.join(
                keys,
                activities
                    .filter(isProactive())
                    .select(col(ACCOUNT_ID), to_date(col(ACTIVITY_AT)).as("_day")),
                "inner",
                ACCOUNT_ID)
            .filter(inDays(col("_day"), col(AS_OF_DATE), RECENT_DAYS))
            .groupBy(ACCOUNT_ID, AS_OF_DATE)
            .agg(count(lit(1)).as(AccountExperience.PROACTIVE_TOUCHES_90D));
    Dataset<Row> out = Columns.join(keys, last, "left", ACCOUNT_ID, AS_OF_DATE);
    out = Columns.join(out, proactive, "left", ACCOUNT_ID, AS_OF_DATE);
    return out.select(
        col(ACCOUNT_ID),
        col(AS_OF_DATE),
        datediff(col(AS_OF_DATE), col("_last_touch")).as(AccountExperience.DAYS_SINCE_LAST_TOUCH),
        orZero(col(AccountExperience.PROACTIVE_TOUCHES_90D))
            .as(AccountExperience.PROACTIVE_TOUCHES_90D));
  }
}
