package io.cslake.transform.experience;

import static io.cslake.transform.experience.Experience.ACCOUNT_ID;
import static io.cslake.transform.experience.Experience.AS_OF_DATE;
import static io.cslake.transform.experience.Experience.MONTH;
import static io.cslake.transform.experience.Experience.RECENT_DAYS;
import static io.cslake.transform.experience.Experience.SEGMENT;
import static io.cslake.transform.experience.Experience.inDays;
import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * NPS and CSAT from silver surveys (SPEC §5.5). NPS is on 0–10: promoters score 9–10, passives 7–8,
 * detractors 0–6, and NPS = 100 × (promoters − detractors) / responses, from −100 to 100. CSAT is
 * on 1–5: CSAT = 100 × responses scoring 4–5 / responses (top-2-box), with the mean score beside
 * it. Scores outside the scales never reach silver (they are quarantined at ingest).
 */
final class Satisfaction {
  static final String NPS_TYPE = "nps";
  static final String CSAT_TYPE = "csat";

  static final String NPS_PROMOTERS = "_nps_promoters";
  static final String NPS_DETRACTORS = "_nps_detractors";
  static final String CSAT_TOP2 = "_csat_top2";
  static final String CSAT_SUM = "_csat_sum";

  private static final String USER_ID = "user_id";
  private static final String RESPONDED_AT = "responded_at";
  private static final String SCORE = "score";
  private static final String TYPE = "survey_type";
  private static final String DAY = "_day";
  private static final String REF = "_ref";

  private Satisfaction() {}

  static Column isPromoter(Column score) {
    return score.geq(lit(9));
  }

  static Column isDetractor(Column score) {
    return score.leq(lit(6));
  }

  /** NPS from counts: 100 × (promoters − detractors) / responses; null without responses. */
  static Column nps(Column promoters, Column detractors, Column responses) {
    return Columns.ratio(promoters.minus(detractors).multiply(lit(100)), responses);
  }

  /**
   * Every response received in each month, per segment and {@value Segments#ALL}: month, segment,
   * {@code nps_responses}, promoters, detractors, {@code csat_responses}, top-2-box responses and
   * the sum of CSAT scores (the last four as internal {@code _…} columns).
   */
  static Dataset<Row> monthly(Dataset<Row> surveys, Dataset<Row> segments) {
    Column score = col(SCORE);
    Column isNps = col(TYPE).equalTo(lit(NPS_TYPE));
    Column isCsat = col(TYPE).equalTo(lit(CSAT_TYPE));
    Dataset<Row> rows =
        surveys
            .filter(isNps.or(isCsat))
            .select(
                col(ACCOUNT_ID),
                trunc(col(RESPONDED_AT), "month").as(MONTH),
                col(TYPE),
                col(SCORE));
    return Segments.withAll(Segments.tag(rows, segments))
        .groupBy(MONTH, SEGMENT)
        .agg(
            count(when(isNps, lit(1))).as(ExperienceMonthly.NPS_RESPONSES),
            count(when(isNps.and(isPromoter(score)), lit(1))).as(NPS_PROMOTERS),
            count(when(isNps.and(isDetractor(score)), lit(1))).as(NPS_DETRACTORS),
            count(when(isCsat, lit(1))).as(ExperienceMonthly.CSAT_RESPONSES),
            count(when(isCsat.and(score.geq(lit(4))), lit(1))).as(CSAT_TOP2),
            sum(when(isCsat, score)).as(CSAT_SUM));
  }

  /**
   * Per account and as-of date: the account's NPS over the latest response of each user in the
   * {@code windowDays} days ending at the date (a response without a user is its own respondent),
   * with its respondents and detractors, the score of the latest response in that window, the
   * change against the same measure three months earlier, the mean CSAT of the last 90 days and its
   * change against the 90 days before.
   *
   * @param keys account_id, as_of_date
   */
  static Dataset<Row> atDates(Dataset<Row> surveys, Dataset<Row> keys, int windowDays) {
    Dataset<Row> nps =
        surveys
            .filter(col(TYPE).equalTo(lit(NPS_TYPE)))
            .select(
                col(ACCOUNT_ID),
                col(USER_ID),
                col(RESPONDED_AT),
                col(SCORE),
                to_date(col(RESPONDED_AT)).as(DAY));
    Dataset<Row> now = accountNps(nps, keys.withColumn(REF, col(AS_OF_DATE)), windowDays);
    Dataset<Row> before =
        accountNps(nps, keys.withColumn(REF, add_months(col(AS_OF_DATE), -3)), windowDays)
            .select(col(ACCOUNT_ID), col(AS_OF_DATE), col(AccountExperience.NPS).as("_nps_before"));

    Dataset<Row> csat =
        Columns.join(
                keys,
                surveys
                    .filter(col(TYPE).equalTo(lit(CSAT_TYPE)))
                    .select(col(ACCOUNT_ID), col(SCORE), to_date(col(RESPONDED_AT)).as(DAY)),
                "inner",
                ACCOUNT_ID)
            .filter(inDays(col(DAY), col(AS_OF_DATE), 2 * RECENT_DAYS))
            .groupBy(ACCOUNT_ID, AS_OF_DATE)
            .agg(
                avg(when(inDays(col(DAY), col(AS_OF_DATE), RECENT_DAYS), col(SCORE)))
                    .as(AccountExperience.CSAT_MEAN_90D),
                avg(when(col(DAY).leq(date_sub(col(AS_OF_DATE), RECENT_DAYS)), col(SCORE)))
                    .as("_csat_before"));

    Dataset<Row> out = Columns.join(keys, now, "left", ACCOUNT_ID, AS_OF_DATE);
    out = Columns.join(out, before, "left", ACCOUNT_ID, AS_OF_DATE);
    out = Columns.join(out, csat, "left", ACCOUNT_ID, AS_OF_DATE);
    return out.select(
        col(ACCOUNT_ID),
        col(AS_OF_DATE),
        col(AccountExperience.LAST_NPS),
        col(AccountExperience.NPS),
        Experience.orZero(col(AccountExperience.NPS_RESPONDENTS))
            .as(AccountExperience.NPS_RESPONDENTS),
        Experience.orZero(col(AccountExperience.NPS_DETRACTORS))
            .as(AccountExperience.NPS_DETRACTORS),
        col(AccountExperience.NPS).minus(col("_nps_before")).as(AccountExperience.NPS_CHANGE),
        col(AccountExperience.CSAT_MEAN_90D),
        col(AccountExperience.CSAT_MEAN_90D)
            .minus(col("_csat_before"))
            .as(AccountExperience.CSAT_TREND_90D));
  }

  /** The account NPS at each key's {@code _ref} date, keyed by (account_id, as_of_date). */
  private static Dataset<Row> accountNps(Dataset<Row> nps, Dataset<Row> keys, int windowDays) {
    Dataset<Row> inWindow =
        Columns.join(keys.select(ACCOUNT_ID, AS_OF_DATE, REF), nps, "inner", ACCOUNT_ID)
            .filter(inDays(col(DAY), col(REF), windowDays));
    Dataset<Row> latest =
        inWindow
            .withColumn(
                "_rank",
                row_number()
                    .over(
                        Window.partitionBy(col(ACCOUNT_ID), col(AS_OF_DATE), col(USER_ID))
                            .orderBy(desc(RESPONDED_AT))))
            .filter(col(USER_ID).isNull().or(col("_rank").equalTo(lit(1))));
    Column score = col(SCORE);
    return latest
        .groupBy(ACCOUNT_ID, AS_OF_DATE)
        .agg(
            count(lit(1)).as(AccountExperience.NPS_RESPONDENTS),
            count(when(isPromoter(score), lit(1))).as("_promoters"),
            count(when(isDetractor(score), lit(1))).as(AccountExperience.NPS_DETRACTORS),
            max_by(score, struct(col(RESPONDED_AT), score)).as(AccountExperience.LAST_NPS))
        .select(
            col(ACCOUNT_ID),
            col(AS_OF_DATE),
            col(AccountExperience.LAST_NPS),
            nps(
                    col("_promoters"),
                    col(AccountExperience.NPS_DETRACTORS),
                    col(AccountExperience.NPS_RESPONDENTS))
                .as(AccountExperience.NPS),
            col(AccountExperience.NPS_RESPONDENTS),
            col(AccountExperience.NPS_DETRACTORS));
  }
}
