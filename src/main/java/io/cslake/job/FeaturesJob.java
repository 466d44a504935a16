package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.table.DeltaWriter;
import io.cslake.transform.engagement.AccountUsageDaily;
import io.cslake.transform.engagement.UserActivityDaily;
import io.cslake.transform.experience.AccountExperience;
import io.cslake.transform.experience.ExperienceInputs;
import io.cslake.transform.features.ChurnFeatures;
import io.cslake.transform.features.ChurnLabels;
import io.delta.tables.DeltaTable;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code features} (SPEC §6.1): the point-in-time leading indicators of every account active at
 * each snapshot, with their churn labels, into {@code gold/churn_features} (partitioned by
 * as_of_date). The snapshots are the as-of date and the last day of each of the {@code
 * cslake.features.history-months} months before it, all computed in one pass from silver and the
 * usage rollups (never from usage events). Each run replaces its snapshots' partitions and keeps
 * older ones; when the feature columns change (a source added or removed), the table is replaced as
 * a whole, since snapshots with different columns cannot train one model.
 */
public final class FeaturesJob {
  private static final Logger LOG = LoggerFactory.getLogger(FeaturesJob.class);

  private FeaturesJob() {}

  /**
   * The outcome of a features run.
   *
   * @param snapshots the snapshot dates written, oldest first
   * @param rows rows written (accounts × snapshots)
   * @param labelled rows whose label is observable (usable for training)
   * @param churned labelled rows that churn within the horizon
   * @param families the indicator families present
   * @param skipped the families left out, each with why
   */
  public record Report(
      String runId,
      LocalDate asOf,
      List<LocalDate> snapshots,
      String path,
      long rows,
      long labelled,
      long churned,
      int featureColumns,
      List<String> families,
      List<String> skipped,
      double seconds) {}

  /** Computes and writes the snapshots. */
  public static Report run(JobContext ctx) {
    return ctx.recorded(
        () -> compute(ctx),
        report ->
            String.format(
                Locale.ROOT,
                "%s: %d rows over %d snapshots, %d labelled, %d churned",
                ChurnFeatures.TABLE,
                report.rows(),
                report.snapshots().size(),
                report.labelled(),
                report.churned()));
  }

  /**
   * The as-of date, then the last day of each of the {@code historyMonths} months before its month,
   * oldest first.
   */
  public static List<LocalDate> snapshotDates(LocalDate asOf, int historyMonths) {
    return snapshotDates(asOf, historyMonths, LocalDate.MIN);
  }

  /**
   * {@link #snapshotDates(LocalDate, int)} without the month-ends before {@code firstDataDay}: a
   * snapshot before the data starts has no account to describe and no history to describe it with.
   */
  public static List<LocalDate> snapshotDates(
      LocalDate asOf, int historyMonths, LocalDate firstDataDay) {
    List<LocalDate> dates = new ArrayList<>();
    LocalDate firstOfMonth = asOf.withDayOfMonth(1);
    for (int k = historyMonths; k >= 1; k--) {
      LocalDate d = firstOfMonth.minusMonths(k - 1L).minusDays(1);
      if (!d.isBefore(firstDataDay)) {
        dates.add(d);
      }
    }
    dates.add(asOf);
    return dates;
  }

  /**
   * The first day of the billing data (the earliest subscription start): snapshots start no
   * earlier. The as-of date before it is an error that says so.
   */
  private static LocalDate firstDataDay(Dataset<Row> subscriptions, LocalDate asOf) {
    Row first = subscriptions.agg(min(col("start_date"))).first();
    if (first.isNullAt(0)) {
      throw CslakeException.contract(
          "Cannot compute churn features: silver subscriptions holds no row. Check"
              + " cslake.sources.subscriptions (its path, filter and mapping) and run 'cslake"
              + " ingest' again.");
    }
    LocalDate day = first.getDate(0).toLocalDate();
    if (asOf.isBefore(day)) {
      throw CslakeException.usage(
          "Cannot compute churn features as of "
              + asOf
              + ": the data starts on "
              + day
              + " (the first subscription's start). Use an --as-of date on or after it.");
    }
    return day;
  }

  /**
   * Why churn features cannot be computed from this lakehouse's silver tables (no subscriptions:
   * churn and MRR are defined by them), or empty when they can.
   */
  public static Optional<String> whyNot(JobContext ctx) {
    if (Silver.read(ctx, Source.SUBSCRIPTIONS).isEmpty()) {
      return Optional.of(
          "there are no subscriptions (cslake.sources.subscriptions), which define churn and MRR;"
              + " a company billed by transactions alone gets its CLV from them");
    }
    return Optional.empty();
  }

  private static Report compute(JobContext ctx) {
    long t0 = System.nanoTime();
    CslakeConfig config = ctx.config();
    Dataset<Row> accounts = required(ctx, Source.ACCOUNTS, "the accounts");
    Dataset<Row> subscriptions =
        required(ctx, Source.SUBSCRIPTIONS, "the subscriptions that define churn and MRR");
    LocalDate asOf = config.asOf().orElseGet(() -> MetricsJob.lastDataDay(ctx));
    List<LocalDate> dates =
        snapshotDates(asOf, config.features().historyMonths(), firstDataDay(subscriptions, asOf));
    LOG.info(
        "features {} as of {}: {} snapshots from {} to {}",
        ctx.runId(),
        asOf,
        dates.size(),
        dates.get(0),
        asOf);

    List<String> families = new ArrayList<>(List.of("billing", "account attributes"));
    List<String> skipped = new ArrayList<>();
    Optional<Dataset<Row>> invoices = optional(ctx, Source.INVOICES, "invoice", skipped);
    Optional<Dataset<Row>> contacts =
        optional(ctx, Source.CONTACTS, "organizational change", skipped);
    contacts.ifPresent(c -> families.add("organizational change"));
    Optional<Dataset<Row>> userDays = Silver.read(ctx, UserActivityDaily.TABLE);
    Optional<Dataset<Row>> accountDays = Silver.read(ctx, AccountUsageDaily.TABLE);
    if (userDays.isEmpty() || accountDays.isEmpty()) {
      userDays = Optional.empty();
      accountDays = Optional.empty();
      skip(skipped, "usage drop and engagement", "no silver usage rollups (usage events)");
    } else {
      families.add("usage drop and engagement");
    }
    Optional<Dataset<Row>> surveys = optional(ctx, Source.SURVEYS, "feedback", skipped);
    Optional<Dataset<Row>> tickets = optional(ctx, Source.SUPPORT_TICKETS, "support", skipped);
    Optional<Dataset<Row>> milestones = optional(ctx, Source.MILESTONES, "onboarding", skipped);
    Optional<Dataset<Row>> referrals = optional(ctx, Source.REFERRALS, "referral", skipped);
    Optional<Dataset<Row>> touches = optional(ctx, Source.CSM_ACTIVITIES, "CSM touch", skipped);
    surveys.ifPresent(s -> families.add("feedback"));
    tickets.ifPresent(s -> families.add("support"));
    milestones.ifPresent(s -> families.add("onboarding"));
    touches.ifPresent(s -> families.add("CSM touches"));

    ChurnFeatures.Inputs inputs =
        new ChurnFeatures.Inputs(
            accounts,
            subscriptions,
            Silver.orEmpty(ctx, Source.FX_RATES),
            invoices,
            Silver.orEmpty(ctx, Source.CHURN_EVENTS),
            contacts,
            userDays,
            accountDays,
            Silver.orEmpty(ctx, Source.MILESTONES),
            new ExperienceInputs(
                accounts,
                surveys,
                tickets,
                milestones,
                referrals,
                touches,
                Optional.of(subscriptions),
                Optional.empty()));
    ChurnFeatures.Settings settings =
        new ChurnFeatures.Settings(
            config.features().horizonDays(),
            config.features().churnGraceDays(),
            config.reportingCurrency(),
            attributes(config, accounts),
            IngestJob.engagementRules(config),
            new AccountExperience.Settings(config.experience().npsWindowDays()));
    Dataset<Row> rows = ChurnFeatures.compute(inputs, snapshots(ctx, dates), asOf, settings);

    String path = ctx.lakehouse().gold(ChurnFeatures.TABLE);
    write(ctx, rows, path, dates);
    Row counts =
        ctx.spark()
            .read()
            .format("delta")
            .load(path)
            .filter(inDates(dates))
            .agg(
                count(lit(1)),
                sum(when(col(ChurnLabels.OBSERVABLE), lit(1L)).otherwise(lit(0L))),
                sum(
                    when(
                            col(ChurnLabels.OBSERVABLE).and(col(ChurnLabels.LABEL).equalTo(lit(1))),
                            lit(1L))
                        .otherwise(lit(0L))))
            .first();
    double seconds = (System.nanoTime() - t0) / 1e9;
    long total = counts.getLong(0);
    long labelled = counts.isNullAt(1) ? 0 : counts.getLong(1);
    long churned = counts.isNullAt(2) ? 0 : counts.getLong(2);
    LOG.info(
        "features gold/{}: {} rows, {} labelled, {} churned ({} s)",
        ChurnFeatures.TABLE,
        total,
        labelled,
        churned,
        String.format(Locale.ROOT, "%.1f", seconds));
    return new Report(
        ctx.runId(),
        asOf,
        dates,
        path,
        total,
        labelled,
        churned,
        rows.columns().length - 5,
        families,
        skipped,
        seconds);
  }

  /**
   * Replaces the snapshots' partitions, or the whole table when its columns are not those of {@code
   * rows}.
   */
  private static void write(JobContext ctx, Dataset<Row> rows, String path, List<LocalDate> dates) {
    List<String> partitions = List.of(ChurnFeatures.AS_OF_DATE);
    if (DeltaTable.isDeltaTable(ctx.spark(), path)) {
      StructType existing = ctx.spark().read().format("delta").load(path).schema();
      if (!sameColumns(existing, rows.schema())) {
        LOG.info(
            "features gold/{}: the feature columns changed; replacing the whole table (older"
                + " snapshots are recomputed only within history-months).",
            ChurnFeatures.TABLE);
        DeltaWriter.overwrite(rows, path, partitions);
        return;
      }
    }
    DeltaWriter.replace(rows, path, inDates(dates), partitions);
  }

  private static boolean sameColumns(StructType a, StructType b) {
    if (a.fields().length != b.fields().length) {
      return false;
    }
    for (int i = 0; i < a.fields().length; i++) {
      if (!a.fields()[i].name().equals(b.fields()[i].name())
          || !a.fields()[i].dataType().equals(b.fields()[i].dataType())) {
        return false;
      }
    }
    return true;
  }

  private static Column inDates(List<LocalDate> dates) {
    return col(ChurnFeatures.AS_OF_DATE).isin(dates.stream().map(Date::valueOf).toArray());
  }

  private static Dataset<Row> snapshots(JobContext ctx, List<LocalDate> dates) {
    List<Row> rows = dates.stream().map(d -> RowFactory.create(Date.valueOf(d))).toList();
    return ctx.spark()
        .createDataFrame(
            rows, new StructType().add(ChurnFeatures.AS_OF_DATE, DataTypes.DateType, false));
  }

  /**
   * The declared account attributes ({@code cslake.sources.accounts.attributes}) as silver names
   * them; one missing from silver (declared after the last ingest) is logged and left out.
   */
  private static List<String> attributes(CslakeConfig config, Dataset<Row> accounts) {
    List<String> out = new ArrayList<>();
    for (String declared : config.source(Source.ACCOUNTS).attributes()) {
      Optional<String> column =
          List.of(accounts.columns()).stream()
              .filter(c -> c.equalsIgnoreCase(declared))
              .findFirst();
      if (column.isEmpty()) {
        LOG.info(
            "features: account attribute '{}' left out: silver accounts has no such column (run"
                + " 'cslake ingest' after declaring it).",
            declared);
      } else {
        out.add(column.get());
      }
    }
    return out;
  }

  private static Dataset<Row> required(JobContext ctx, Source source, String what) {
    return Silver.read(ctx, source)
        .orElseThrow(
            () ->
                CslakeException.contract(
                    "Cannot compute churn features: there is no silver table '"
                        + source.id()
                        + "' at "
                        + ctx.lakehouse().silver(source.id())
                        + " ("
                        + what
                        + "). Configure cslake.sources."
                        + source.id()
                        + ".path and run 'cslake ingest' with the same lakehouse first."));
  }

  private static Optional<Dataset<Row>> optional(
      JobContext ctx, Source source, String family, List<String> skipped) {
    Optional<Dataset<Row>> rows = Silver.read(ctx, source);
    if (rows.isEmpty()) {
      skip(skipped, family + " features", "no silver " + source.id());
    }
    return rows;
  }

  private static void skip(List<String> skipped, String what, String why) {
    LOG.info("features: {} skipped ({}).", what, why);
    skipped.add(what + " (" + why + ")");
  }
}
