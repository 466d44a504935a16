package io.cslake.transform.experience;

import static io.cslake.transform.Columns.ratio;
import static io.cslake.transform.experience.Experience.MONTH;
import static io.cslake.transform.experience.Experience.SEGMENT;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.last;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import io.cslake.transform.revenue.AccountMonthMrr;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * The satisfaction, support, onboarding, referral and CS touch columns of {@code gold/kpi_monthly}
 * (SPEC §5.3, §5.5), per month and segment with {@value Segments#ALL} for the company. They are
 * computed onto a grid of (month, segment) rows — kpi_monthly's own, contiguous months per segment
 * — so that every {@code …_3m} value is, like KpiMonthly's, pooled over M−2..M: Σ numerators / Σ
 * denominators (pooled responses for NPS and CSAT). A source that is absent leaves its columns
 * null; a present source with nothing in a month gives counts of 0 and null rates.
 */
public final class ExperienceMonthly {
  public static final String NPS = "nps";
  public static final String NPS_RESPONSES = "nps_responses";
  public static final String CSAT = "csat";
  public static final String CSAT_RESPONSES = "csat_responses";
  public static final String CSAT_MEAN = "csat_mean";
  public static final String TICKETS = "tickets";
  public static final String TICKETS_PER_ACCOUNT = "tickets_per_account";
  public static final String TTFR_MEDIAN_HOURS = "ttfr_median_hours";
  public static final String TTFR_P90_HOURS = "ttfr_p90_hours";
  public static final String TTR_MEDIAN_HOURS = "ttr_median_hours";
  public static final String TTR_P90_HOURS = "ttr_p90_hours";
  public static final String ESCALATIONS = "escalations";
  public static final String BUG_REPORTS = "bug_reports";
  public static final String ENHANCEMENT_REQUESTS = "enhancement_requests";
  public static final String SUPPORT_CSAT = "support_csat";
  public static final String SUPPORT_CSAT_RESPONSES = "support_csat_responses";
  public static final String OPEN_BACKLOG = "open_backlog";
  public static final String REFERRAL_RATE = "referral_rate";
  public static final String REFERRALS = "referrals";
  public static final String REFERRAL_CONVERSIONS = "referral_conversions";
  public static final String ACTIVATION_RATE = "activation_rate";
  public static final String ONBOARDING_DAYS_MEDIAN = "onboarding_days_median";
  public static final String CSM_TOUCHES = "csm_touches";
  public static final String PROACTIVE_TOUCHES = "proactive_touches";
  public static final String SUFFIX_3M = "_3m";

  /** Every column added to the grid, in order. */
  public static final List<String> COLUMNS =
      List.of(
          NPS,
          NPS_RESPONSES,
          CSAT,
          CSAT_RESPONSES,
          CSAT_MEAN,
          TICKETS,
          TICKETS_PER_ACCOUNT,
          TTFR_MEDIAN_HOURS,
          TTFR_P90_HOURS,
          TTR_MEDIAN_HOURS,
          TTR_P90_HOURS,
          ESCALATIONS,
          BUG_REPORTS,
          ENHANCEMENT_REQUESTS,
          SUPPORT_CSAT,
          SUPPORT_CSAT_RESPONSES,
          OPEN_BACKLOG,
          REFERRAL_RATE,
          REFERRALS,
          REFERRAL_CONVERSIONS,
          ACTIVATION_RATE,
          ONBOARDING_DAYS_MEDIAN,
          CSM_TOUCHES,
          PROACTIVE_TOUCHES,
          NPS + SUFFIX_3M,
          CSAT + SUFFIX_3M,
          CSAT_MEAN + SUFFIX_3M,
          SUPPORT_CSAT + SUFFIX_3M,
          REFERRAL_RATE + SUFFIX_3M,
          ACTIVATION_RATE + SUFFIX_3M);

  private static final String ACTIVE = "_active";
  private static final DataType LONG = DataTypes.LongType;
  private static final DataType DOUBLE = DataTypes.DoubleType;

  private ExperienceMonthly() {}

  /**
   * The settings the monthly values need.
   *
   * @param activationDays days after the onboarding start within which {@code activated} counts
   */
  public record Settings(int activationDays) {}

  /** The columns one family adds to the grid before the rates: name, type, whether a count. */
  private record Raw(String name, DataType type, boolean count) {}

  /**
   * {@code grid} (month, segment and any other columns, e.g. kpi_monthly) with the columns of
   * {@link #COLUMNS} appended.
   *
   * @param grid one row per (month, segment), months contiguous per segment
   * @param asOf the last day included (tickets, milestones)
   */
  public static Dataset<Row> attach(
      Dataset<Row> grid, ExperienceInputs in, Settings settings, LocalDate asOf) {
    Dataset<Row> segments = Segments.of(in.accounts());
    Dataset<Row> rows = grid;
    rows =
        add(
            rows,
            in.surveys().map(s -> (Supplier<Dataset<Row>>) () -> Satisfaction.monthly(s, segments)),
            raw(NPS_RESPONSES, LONG, true),
            raw(Satisfaction.NPS_PROMOTERS, LONG, true),
            raw(Satisfaction.NPS_DETRACTORS, LONG, true),
            raw(CSAT_RESPONSES, LONG, true),
            raw(Satisfaction.CSAT_TOP2, LONG, true),
            raw(Satisfaction.CSAT_SUM, DOUBLE, false));
    rows =
        add(
            rows,
            in.supportTickets()
                .map(t -> (Supplier<Dataset<Row>>) () -> Support.monthly(t, segments, asOf)),
            raw(TICKETS, LONG, true),
            raw(TTFR_MEDIAN_HOURS, DOUBLE, false),
            raw(TTFR_P90_HOURS, DOUBLE, false),
            raw(TTR_MEDIAN_HOURS, DOUBLE, false),
            raw(TTR_P90_HOURS, DOUBLE, false),
            raw(ESCALATIONS, LONG, true),
            raw(BUG_REPORTS, LONG, true),
            raw(ENHANCEMENT_REQUESTS, LONG, true),
            raw(SUPPORT_CSAT_RESPONSES, LONG, true),
            raw(Support.SUPPORT_CSAT_TOP2, LONG, true),
            raw(OPEN_BACKLOG, LONG, false));
    rows =
        add(
            rows,
            in.referrals()
                .map(
                    r ->
                        (Supplier<Dataset<Row>>)
                            () -> Referrals.monthly(r, in.accountMonths(), segments)),
            raw(REFERRALS, LONG, true),
            raw(REFERRAL_CONVERSIONS, LONG, true),
            raw(Referrals.REFERRING_ACTIVE, LONG, in.accountMonths().isPresent()),
            raw(Referrals.ACTIVE, LONG, in.accountMonths().isPresent()));
    rows =
        add(
            rows,
            in.milestones()
                .map(
                    m ->
                        (Supplier<Dataset<Row>>)
                            () ->
                                Onboarding.monthly(
                                    m,
                                    in.subscriptions(),
                                    segments,
                                    settings.activationDays(),
                                    asOf)),
            raw(Onboarding.STARTS, LONG, true),
            raw(Onboarding.ACTIVATED_IN_TIME, LONG, true),
            raw(ONBOARDING_DAYS_MEDIAN, DOUBLE, false));
    rows =
        add(
            rows,
            in.accountMonths().map(am -> (Supplier<Dataset<Row>>) () -> active(am, segments)),
            raw(ACTIVE, LONG, true));
    rows =
        add(
            rows,
            in.csmActivities()
                .map(a -> (Supplier<Dataset<Row>>) () -> CsmTouches.monthly(a, segments)),
            raw(CSM_TOUCHES, LONG, true),
            raw(PROACTIVE_TOUCHES, LONG, true));

    WindowSpec bySegment = Window.partitionBy(SEGMENT).orderBy(MONTH);
    WindowSpec last3 = bySegment.rowsBetween(-2, 0);
    WindowSpec upTo = bySegment.rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Column backlog = last(col(OPEN_BACKLOG), true).over(upTo);
    if (in.supportTickets().isPresent()) {
      backlog = coalesce(backlog, lit(0L));
    }
    List<Column> out = new ArrayList<>();
    for (String c : grid.columns()) {
      out.add(col(c));
    }
    Column promoters = col(Satisfaction.NPS_PROMOTERS);
    Column detractors = col(Satisfaction.NPS_DETRACTORS);
    out.add(Satisfaction.nps(promoters, detractors, col(NPS_RESPONSES)).as(NPS));
    out.add(col(NPS_RESPONSES));
    out.add(percent(col(Satisfaction.CSAT_TOP2), col(CSAT_RESPONSES)).as(CSAT));
    out.add(col(CSAT_RESPONSES));
    out.add(ratio(col(Satisfaction.CSAT_SUM), col(CSAT_RESPONSES)).as(CSAT_MEAN));
    out.add(col(TICKETS));
    out.add(ratio(col(TICKETS), col(ACTIVE)).as(TICKETS_PER_ACCOUNT));
    for (String c :
        List.of(
            TTFR_MEDIAN_HOURS,
            TTFR_P90_HOURS,
            TTR_MEDIAN_HOURS,
            TTR_P90_HOURS,
            ESCALATIONS,
            BUG_REPORTS,
            ENHANCEMENT_REQUESTS)) {
      out.add(col(c));
    }
    out.add(percent(col(Support.SUPPORT_CSAT_TOP2), col(SUPPORT_CSAT_RESPONSES)).as(SUPPORT_CSAT));
    out.add(col(SUPPORT_CSAT_RESPONSES));
    out.add(backlog.as(OPEN_BACKLOG));
    out.add(ratio(col(Referrals.REFERRING_ACTIVE), col(Referrals.ACTIVE)).as(REFERRAL_RATE));
    out.add(col(REFERRALS));
    out.add(col(REFERRAL_CONVERSIONS));
    out.add(ratio(col(Onboarding.ACTIVATED_IN_TIME), col(Onboarding.STARTS)).as(ACTIVATION_RATE));
    out.add(col(ONBOARDING_DAYS_MEDIAN));
    out.add(col(CSM_TOUCHES));
    out.add(col(PROACTIVE_TOUCHES));
    out.add(
        Satisfaction.nps(
                sum(promoters).over(last3),
                sum(detractors).over(last3),
                sum(NPS_RESPONSES).over(last3))
            .as(NPS + SUFFIX_3M));
    out.add(
        percent(sum(Satisfaction.CSAT_TOP2).over(last3), sum(CSAT_RESPONSES).over(last3))
            .as(CSAT + SUFFIX_3M));
    out.add(
        ratio(sum(Satisfaction.CSAT_SUM).over(last3), sum(CSAT_RESPONSES).over(last3))
            .as(CSAT_MEAN + SUFFIX_3M));
    out.add(
        percent(sum(Support.SUPPORT_CSAT_TOP2).over(last3), sum(SUPPORT_CSAT_RESPONSES).over(last3))
            .as(SUPPORT_CSAT + SUFFIX_3M));
    out.add(
        ratio(sum(Referrals.REFERRING_ACTIVE).over(last3), sum(Referrals.ACTIVE).over(last3))
            .as(REFERRAL_RATE + SUFFIX_3M));
    out.add(
        ratio(sum(Onboarding.ACTIVATED_IN_TIME).over(last3), sum(Onboarding.STARTS).over(last3))
            .as(ACTIVATION_RATE + SUFFIX_3M));
    return rows.select(out.toArray(Column[]::new));
  }

  /** Accounts with MRR &gt; 0 per month and segment. */
  private static Dataset<Row> active(Dataset<Row> accountMonths, Dataset<Row> segments) {
    Dataset<Row> rows =
        accountMonths
            .filter(col(AccountMonthMrr.MRR).gt(lit(0)))
            .select(
                col(AccountMonthMrr.ACCOUNT_ID).as(Experience.ACCOUNT_ID),
                col(AccountMonthMrr.MONTH).as(MONTH));
    return Segments.withAll(Segments.tag(rows, segments))
        .groupBy(MONTH, SEGMENT)
        .agg(count(lit(1)).as(ACTIVE));
  }

  /** 100 × part / whole; null when whole is 0 or null. */
  private static Column percent(Column part, Column whole) {
    return ratio(part.multiply(lit(100)), whole);
  }

  private static Raw raw(String name, DataType type, boolean count) {
    return new Raw(name, type, count);
  }

  /**
   * The grid with one family's raw columns: joined from its monthly frame (counts of 0 where the
   * month has nothing) when its source is present, null otherwise.
   */
  private static Dataset<Row> add(
      Dataset<Row> grid, Optional<Supplier<Dataset<Row>>> monthly, Raw... raws) {
    List<Column> cols = new ArrayList<>();
    for (String c : grid.columns()) {
      cols.add(col(c));
    }
    if (monthly.isEmpty()) {
      for (Raw r : raws) {
        cols.add(lit(null).cast(r.type()).as(r.name()));
      }
      return grid.select(cols.toArray(Column[]::new));
    }
    List<Column> picked = new ArrayList<>(List.of(col(MONTH), col(SEGMENT)));
    Arrays.stream(raws).forEach(r -> picked.add(col(r.name()).cast(r.type()).as(r.name())));
    Dataset<Row> joined =
        Columns.join(
            grid,
            monthly.get().get().select(picked.toArray(Column[]::new)),
            "left",
            MONTH,
            SEGMENT);
    for (Raw r : raws) {
      cols.add(r.count() ? coalesce(col(r.name()), lit(0L)).as(r.name()) : col(r.name()));
    }
    return joined.select(cols.toArray(Column[]::new));
  }
}
