package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.to_date;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.table.DeltaWriter;
import io.cslake.transform.Segments;
import io.cslake.transform.engagement.AccountEngagement;
import io.cslake.transform.engagement.AccountUsageDaily;
import io.cslake.transform.engagement.EngagementMonthly;
import io.cslake.transform.engagement.EngagementRules;
import io.cslake.transform.engagement.FeatureAdoptionMonthly;
import io.cslake.transform.engagement.UserActivityDaily;
import io.cslake.transform.experience.AccountExperience;
import io.cslake.transform.experience.CsTeamKpis;
import io.cslake.transform.experience.ExperienceInputs;
import io.cslake.transform.experience.ExperienceMonthly;
import io.cslake.transform.experience.FeedbackThemes;
import io.cslake.transform.health.HealthScore;
import io.cslake.transform.revenue.AccountMonthMrr;
import io.cslake.transform.revenue.ChurnReasonsMonthly;
import io.cslake.transform.revenue.CohortRetention;
import io.cslake.transform.revenue.KpiMonthly;
import io.cslake.transform.revenue.MrrMovements;
import java.math.BigDecimal;
import java.sql.Date;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code metrics} (SPEC §5.1–5.5): reads silver only and writes {@code silver/account_month_mrr}
 * and the gold tables {@code mrr_movements}, {@code kpi_monthly} (with the monthly engagement,
 * satisfaction, support, onboarding, referral and touch columns of §5.5), {@code cs_team_kpis},
 * {@code churn_reasons_monthly}, {@code cohort_retention}, {@code feature_adoption_monthly} and
 * {@code feedback_themes}, each by one Delta overwrite, and {@code account_engagement} and {@code
 * account_experience} by replacing the as-of date's partition (atomic; a re-run with the same
 * silver and as-of date writes the same content). Usage is read from the daily rollups only, never
 * from silver usage events. A table whose source is absent is skipped with one log line: without
 * subscriptions only the transaction cohorts, the engagement tables and account_experience are
 * written; without usage rollups the engagement columns of {@code kpi_monthly} are null, and an
 * absent survey, ticket, milestone, referral or CSM activity source leaves its columns null (one
 * log line each).
 *
 * <p>The as-of date is {@code --as-of}, or else the last day with data in silver: the latest of
 * subscription start dates, transaction, churn event and invoice dates and usage event dates, never
 * after today (UTC).
 *
 * <p>{@code gold/clv} (historical and predictive CLV, SPEC §5.6) belongs to the {@code clv} command
 * ({@link ClvJob}), which reads the {@code account_month_mrr} written here.
 */
public final class MetricsJob {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsJob.class);

  private MetricsJob() {}

  /**
   * One table written.
   *
   * @param name table name, e.g. {@code gold/kpi_monthly}
   */
  public record TableResult(String name, String path, long rows, double seconds) {}

  /**
   * The company's figures for the as-of month ({@code kpi_monthly}, segment ALL); rates may be
   * null.
   */
  public record Latest(
      LocalDate month, BigDecimal mrr, Double nrr, Double grr, Double logoChurnRate) {}

  /**
   * The outcome of a metrics run.
   *
   * @param skipped tables not written, each with why
   * @param latest empty without subscriptions
   */
  public record Report(
      String runId,
      LocalDate asOf,
      List<TableResult> tables,
      List<String> skipped,
      Optional<Latest> latest) {}

  /** Computes and writes every revenue table the silver sources allow. */
  public static Report run(JobContext ctx) {
    return ctx.recorded(
        () -> compute(ctx),
        report ->
            report.tables().stream()
                .map(t -> t.name() + " " + t.rows())
                .collect(Collectors.joining(", ")));
  }

  private static Report compute(JobContext ctx) {
    SparkSession spark = ctx.spark();
    CslakeConfig config = ctx.config();
    Dataset<Row> accounts =
        silver(ctx, Source.ACCOUNTS)
            .orElseThrow(
                () ->
                    CslakeException.contract(
                        "Cannot compute metrics: there is no silver table 'accounts' at "
                            + ctx.lakehouse().silver(Source.ACCOUNTS.id())
                            + ". Run 'cslake ingest' with the same lakehouse first."));
    Optional<Dataset<Row>> subscriptions = silver(ctx, Source.SUBSCRIPTIONS);
    Optional<Dataset<Row>> transactions = silver(ctx, Source.TRANSACTIONS);
    if (subscriptions.isEmpty() && transactions.isEmpty()) {
      throw CslakeException.contract(
          "Cannot compute metrics: silver has neither 'subscriptions' nor 'transactions' under "
              + ctx.lakehouse().root()
              + ". Configure at least one of them and run 'cslake ingest' first.");
    }
    LocalDate asOf = config.asOf().orElseGet(() -> lastDataDay(ctx));
    LOG.info("metrics {} as of {} from {}", ctx.runId(), asOf, ctx.lakehouse().root());

    List<TableResult> tables = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    Optional<Dataset<Row>> userDays = silver(ctx, UserActivityDaily.TABLE);
    Optional<Dataset<Row>> accountDays = silver(ctx, AccountUsageDaily.TABLE);
    if (userDays.isEmpty() || accountDays.isEmpty()) {
      userDays = Optional.empty();
      accountDays = Optional.empty();
    }
    Optional<Dataset<Row>> accountMonths = Optional.empty();
    Optional<Latest> latest = Optional.empty();
    List<Dataset<Row>> cohorts = new ArrayList<>();
    ExperienceSources experience = experienceSources(ctx, accounts);

    if (subscriptions.isPresent()) {
      Dataset<Row> subs = subscriptions.get();
      Dataset<Row> fx = silverOrEmpty(ctx, Source.FX_RATES);
      Dataset<Row> lineMonths =
          AccountMonthMrr.lineMonths(subs, fx, config.reportingCurrency(), asOf);
      requireRates(lineMonths, config.reportingCurrency());

      String amPath = ctx.lakehouse().silver(AccountMonthMrr.TABLE);
      Dataset<Row> am =
          write(
              ctx,
              tables,
              "silver/" + AccountMonthMrr.TABLE,
              amPath,
              AccountMonthMrr.fromLineMonths(lineMonths, asOf));
      accountMonths = Optional.of(am);
      Dataset<Row> movements =
          write(
              ctx,
              tables,
              gold(MrrMovements.TABLE),
              ctx.lakehouse().gold(MrrMovements.TABLE),
              MrrMovements.compute(am));
      ExperienceInputs experienceInputs = experience.inputs(Optional.of(am));
      KpiMonthly.Settings settings =
          new KpiMonthly.Settings(
              config.metrics().grossMargin(), config.metrics().renewalGraceDays());
      Optional<Dataset<Row>> engagementMonthly =
          userDays.map(days -> EngagementMonthly.compute(days, accounts, asOf));
      if (userDays.isEmpty()) {
        LOG.info(
            "metrics {}: engagement columns null (no silver {}; configure usage_events and run"
                + " 'cslake ingest').",
            gold(KpiMonthly.TABLE),
            UserActivityDaily.TABLE);
      }
      Dataset<Row> kpi =
          write(
              ctx,
              tables,
              gold(KpiMonthly.TABLE),
              ctx.lakehouse().gold(KpiMonthly.TABLE),
              ExperienceMonthly.attach(
                  EngagementMonthly.joinKpi(
                      KpiMonthly.compute(movements, am, accounts, subs, settings, asOf),
                      engagementMonthly),
                  experienceInputs,
                  new ExperienceMonthly.Settings(config.experience().activationDays()),
                  asOf));
      write(
          ctx,
          tables,
          gold(CsTeamKpis.TABLE),
          ctx.lakehouse().gold(CsTeamKpis.TABLE),
          CsTeamKpis.compute(
              movements,
              accounts,
              experienceInputs.supportTickets(),
              experienceInputs.csmActivities(),
              accountHealth(ctx),
              new CsTeamKpis.Settings(config.experience().costPerCsmMonthly()),
              asOf));
      write(
          ctx,
          tables,
          gold(ChurnReasonsMonthly.TABLE),
          ctx.lakehouse().gold(ChurnReasonsMonthly.TABLE),
          ChurnReasonsMonthly.compute(
              movements, silverOrEmpty(ctx, Source.CHURN_EVENTS), accounts));
      cohorts.add(CohortRetention.subscriptions(am, accounts, asOf));
      latest = latest(kpi, asOf);
    } else {
      for (String table :
          List.of(
              "silver/" + AccountMonthMrr.TABLE,
              gold(MrrMovements.TABLE),
              gold(KpiMonthly.TABLE),
              gold(CsTeamKpis.TABLE),
              gold(ChurnReasonsMonthly.TABLE))) {
        skip(skipped, table, "no silver subscriptions");
      }
    }
    if (transactions.isPresent()) {
      cohorts.add(CohortRetention.transactions(transactions.get(), accounts, asOf));
    } else {
      LOG.info("metrics: transaction cohorts skipped: no silver transactions.");
    }
    Dataset<Row> allCohorts = cohorts.get(0);
    for (Dataset<Row> more : cohorts.subList(1, cohorts.size())) {
      allCohorts = allCohorts.unionByName(more);
    }
    write(
        ctx,
        tables,
        gold(CohortRetention.TABLE),
        ctx.lakehouse().gold(CohortRetention.TABLE),
        allCohorts);
    if (userDays.isPresent()) {
      engagement(ctx, tables, accounts, userDays.get(), accountDays.get(), asOf);
    } else {
      for (String table :
          List.of(gold(AccountEngagement.TABLE), gold(FeatureAdoptionMonthly.TABLE))) {
        skip(skipped, table, "no silver " + UserActivityDaily.TABLE + " (usage events)");
      }
    }
    writeAsOf(
        ctx,
        tables,
        gold(AccountExperience.TABLE),
        ctx.lakehouse().gold(AccountExperience.TABLE),
        AccountExperience.compute(
            spark.range(1).select(lit(Date.valueOf(asOf)).as(AccountExperience.AS_OF_DATE)),
            experience.inputs(accountMonths),
            new AccountExperience.Settings(config.experience().npsWindowDays())),
        asOf);
    if (experience.surveys().isPresent()) {
      write(
          ctx,
          tables,
          gold(FeedbackThemes.TABLE),
          ctx.lakehouse().gold(FeedbackThemes.TABLE),
          FeedbackThemes.compute(
              experience
                  .surveys()
                  .get()
                  .filter(to_date(col("responded_at")).leq(lit(Date.valueOf(asOf)))),
              config.experience().themesPerSide()));
    } else {
      skip(skipped, gold(FeedbackThemes.TABLE), "no silver surveys");
    }
    return new Report(ctx.runId(), asOf, tables, skipped, latest);
  }

  /** The optional silver sources of the experience metrics, read once. */
  private record ExperienceSources(
      Dataset<Row> accounts,
      Optional<Dataset<Row>> surveys,
      Optional<Dataset<Row>> supportTickets,
      Optional<Dataset<Row>> milestones,
      Optional<Dataset<Row>> referrals,
      Optional<Dataset<Row>> csmActivities,
      Optional<Dataset<Row>> subscriptions) {

    ExperienceInputs inputs(Optional<Dataset<Row>> accountMonths) {
      return new ExperienceInputs(
          accounts,
          surveys,
          supportTickets,
          milestones,
          referrals,
          csmActivities,
          subscriptions,
          accountMonths);
    }
  }

  /**
   * Reads the experience sources; each absent one is logged once with the values left null (its
   * kpi_monthly columns, account_experience columns and, for tickets and activities, cs_team_kpis
   * columns).
   */
  private static ExperienceSources experienceSources(JobContext ctx, Dataset<Row> accounts) {
    return new ExperienceSources(
        accounts,
        optional(ctx, Source.SURVEYS, "NPS and CSAT"),
        optional(ctx, Source.SUPPORT_TICKETS, "support"),
        optional(ctx, Source.MILESTONES, "onboarding and activation"),
        optional(ctx, Source.REFERRALS, "referral"),
        optional(ctx, Source.CSM_ACTIVITIES, "CSM touch"),
        silver(ctx, Source.SUBSCRIPTIONS));
  }

  private static Optional<Dataset<Row>> optional(JobContext ctx, Source source, String what) {
    Optional<Dataset<Row>> rows = silver(ctx, source);
    if (rows.isEmpty()) {
      LOG.info("metrics: {} values left null: no silver {}.", what, source.id());
    }
    return rows;
  }

  /**
   * Writes {@code account_engagement} for the as-of date (replacing that date only) and {@code
   * feature_adoption_monthly} (overwrite), from the usage rollups.
   */
  private static void engagement(
      JobContext ctx,
      List<TableResult> tables,
      Dataset<Row> accounts,
      Dataset<Row> userDays,
      Dataset<Row> accountDays,
      LocalDate asOf) {
    EngagementRules rules = IngestJob.engagementRules(ctx.config());
    Dataset<Row> asOfDates =
        ctx.spark().range(1).select(lit(Date.valueOf(asOf)).as(AccountEngagement.AS_OF_DATE));
    Dataset<Row> rows =
        AccountEngagement.compute(
            asOfDates,
            accounts,
            userDays,
            accountDays,
            silverOrEmpty(ctx, Source.SUBSCRIPTIONS),
            silverOrEmpty(ctx, Source.MILESTONES),
            rules);
    long t0 = System.nanoTime();
    String path = ctx.lakehouse().gold(AccountEngagement.TABLE);
    Column scope = col(AccountEngagement.AS_OF_DATE).equalTo(lit(Date.valueOf(asOf)));
    long count =
        DeltaWriter.replace(rows, path, scope, List.of(AccountEngagement.AS_OF_DATE)).rows();
    double seconds = (System.nanoTime() - t0) / 1e9;
    LOG.info(
        "metrics {} as of {}: {} rows ({} s)",
        gold(AccountEngagement.TABLE),
        asOf,
        count,
        String.format(Locale.ROOT, "%.1f", seconds));
    tables.add(new TableResult(gold(AccountEngagement.TABLE), path, count, seconds));
    write(
        ctx,
        tables,
        gold(FeatureAdoptionMonthly.TABLE),
        ctx.lakehouse().gold(FeatureAdoptionMonthly.TABLE),
        FeatureAdoptionMonthly.compute(userDays, accounts, rules, asOf));
  }

  /**
   * Stops the run when a subscription's currency has no rate: a wrong MRR is worse than none. Only
   * the first few missing (currency, month) pairs reach the driver.
   */
  private static void requireRates(Dataset<Row> lineMonths, String reportingCurrency) {
    List<Row> missing =
        AccountMonthMrr.missingRates(lineMonths)
            .orderBy(AccountMonthMrr.CURRENCY, AccountMonthMrr.MONTH)
            .limit(6)
            .collectAsList();
    if (missing.isEmpty()) {
      return;
    }
    String pairs =
        missing.stream()
            .limit(5)
            .map(
                r ->
                    r.getString(0)
                        + " for "
                        + r.getDate(1).toLocalDate().toString().substring(0, 7))
            .collect(Collectors.joining(", "));
    throw CslakeException.contract(
        "Cannot convert subscription MRR to "
            + reportingCurrency
            + ": silver fx_rates has no rate dated on or before the first day of the month for "
            + pairs
            + (missing.size() > 5 ? " and more" : "")
            + ". Add those rates (date, currency, rate_to_reporting) to the fx_rates source and"
            + " run 'cslake ingest' again, or correct the subscriptions' currency.");
  }

  /** The last day with data in silver, never after today (UTC); today when silver is empty. */
  static LocalDate lastDataDay(JobContext ctx) {
    List<Dataset<Row>> frames = new ArrayList<>();
    silver(ctx, Source.SUBSCRIPTIONS)
        .ifPresent(d -> frames.add(d.agg(max(col("start_date")).as("d"))));
    silver(ctx, Source.TRANSACTIONS)
        .ifPresent(d -> frames.add(d.agg(max(to_date(col("ordered_at"))).as("d"))));
    silver(ctx, Source.CHURN_EVENTS)
        .ifPresent(d -> frames.add(d.agg(max(to_date(col("churned_at"))).as("d"))));
    silver(ctx, Source.INVOICES)
        .ifPresent(d -> frames.add(d.agg(max(to_date(col("issued_at"))).as("d"))));
    // Usage dates from the small account rollup: nothing after ingest rescans usage events.
    silver(ctx, AccountUsageDaily.TABLE)
        .ifPresent(d -> frames.add(d.agg(max(col(AccountUsageDaily.EVENT_DATE)).as("d"))));
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    if (frames.isEmpty()) {
      return today;
    }
    Dataset<Row> all = frames.get(0);
    for (Dataset<Row> f : frames.subList(1, frames.size())) {
      all = all.union(f);
    }
    Row last = all.agg(max(col("d"))).first();
    if (last.isNullAt(0)) {
      return today;
    }
    LocalDate day = last.getDate(0).toLocalDate();
    return day.isAfter(today) ? today : day;
  }

  private static Optional<Latest> latest(Dataset<Row> kpi, LocalDate asOf) {
    List<Row> rows =
        kpi.filter(
                col(KpiMonthly.SEGMENT)
                    .equalTo(lit(Segments.ALL))
                    .and(col(KpiMonthly.MONTH).equalTo(lit(Date.valueOf(asOf.withDayOfMonth(1))))))
            .select(
                KpiMonthly.MONTH,
                KpiMonthly.MRR,
                KpiMonthly.NRR,
                KpiMonthly.GRR,
                KpiMonthly.LOGO_CHURN_RATE)
            .collectAsList();
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    Row r = rows.get(0);
    return Optional.of(
        new Latest(
            r.getDate(0).toLocalDate(),
            r.getDecimal(1),
            r.isNullAt(2) ? null : r.getDouble(2),
            r.isNullAt(3) ? null : r.getDouble(3),
            r.isNullAt(4) ? null : r.getDouble(4)));
  }

  /** Overwrites the table at {@code path} with {@code rows} and returns it as written. */
  private static Dataset<Row> write(
      JobContext ctx, List<TableResult> tables, String name, String path, Dataset<Row> rows) {
    long t0 = System.nanoTime();
    long count = DeltaWriter.overwrite(rows, path, List.of()).rows();
    Dataset<Row> written = ctx.spark().read().format("delta").load(path);
    double seconds = (System.nanoTime() - t0) / 1e9;
    LOG.info(
        "metrics {}: {} rows ({} s)", name, count, String.format(Locale.ROOT, "%.1f", seconds));
    tables.add(new TableResult(name, path, count, seconds));
    return written;
  }

  /**
   * Replaces the rows of {@code as_of_date = asOf} of the table at {@code path} (partitioned by
   * as_of_date), keeping the other dates, and counts the rows written.
   */
  private static void writeAsOf(
      JobContext ctx,
      List<TableResult> tables,
      String name,
      String path,
      Dataset<Row> rows,
      LocalDate asOf) {
    long t0 = System.nanoTime();
    Column scope = col(AccountExperience.AS_OF_DATE).equalTo(lit(Date.valueOf(asOf)));
    long count =
        DeltaWriter.replace(rows, path, scope, List.of(AccountExperience.AS_OF_DATE)).rows();
    double seconds = (System.nanoTime() - t0) / 1e9;
    LOG.info(
        "metrics {}: {} rows for {} ({} s)",
        name,
        count,
        asOf,
        String.format(Locale.ROOT, "%.1f", seconds));
    tables.add(new TableResult(name, path, count, seconds));
  }

  private static void skip(List<String> skipped, String table, String why) {
    LOG.info("metrics {}: skipped ({}).", table, why);
    skipped.add(table + " (" + why + ")");
  }

  private static String gold(String table) {
    return "gold/" + table;
  }

  /**
   * {@code gold/account_health} when {@code score} has written it (a previous run's: in {@code
   * run}, metrics comes first and score then refreshes cs_team_kpis.mean_health).
   */
  private static Optional<Dataset<Row>> accountHealth(JobContext ctx) {
    return Silver.delta(ctx, ctx.lakehouse().gold(HealthScore.TABLE));
  }

  private static Optional<Dataset<Row>> silver(JobContext ctx, Source source) {
    return Silver.read(ctx, source);
  }

  private static Optional<Dataset<Row>> silver(JobContext ctx, String table) {
    return Silver.read(ctx, table);
  }

  private static Dataset<Row> silverOrEmpty(JobContext ctx, Source source) {
    return Silver.orEmpty(ctx, source);
  }
}
