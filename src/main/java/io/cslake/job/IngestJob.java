package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import io.cslake.config.SourceConfig;
import io.cslake.contract.Field;
import io.cslake.contract.Source;
import io.cslake.contract.SourceMapping;
import io.cslake.table.DeltaWriter;
import io.cslake.table.QuarantineTable;
import io.cslake.table.RunsTable;
import io.cslake.table.RunsTable.Counts;
import io.cslake.table.RunsTable.Entry;
import io.cslake.table.SourceReader;
import io.cslake.table.WatermarkTable;
import io.cslake.transform.Validation;
import io.cslake.transform.engagement.AccountUsageDaily;
import io.cslake.transform.engagement.EngagementRules;
import io.cslake.transform.engagement.UserActivityDaily;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ingest} (SPEC §4.3): checks every configured source's mapping before reading any data,
 * then validates each source row by row, writes the good rows to {@code silver/<source>} and the
 * others to {@code _quarantine}, and records the row accounting of every source in {@code _runs}.
 * Usage events are ingested incrementally by event date: only the dates after the last one
 * ingested, plus a lookback for late events; the same dates of the daily usage rollups ({@code
 * silver/user_activity_daily}, {@code silver/account_usage_daily}) are rebuilt from them in the
 * same pass. Re-running with the same input leaves every table's content as it was.
 */
public final class IngestJob {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  /** Silver's date partition of usage events. */
  public static final String EVENT_DATE = "event_date";

  private IngestJob() {}

  /**
   * What happened to one source.
   *
   * @param status {@code ok}, or {@code failed} when it broke the quarantine threshold
   * @param window for usage events, the first date re-read; empty when the whole source was read
   */
  public record SourceResult(
      Source source, Counts counts, String status, Optional<LocalDate> window, double seconds) {
    public boolean isOk() {
      return status.equals("ok");
    }
  }

  /**
   * The outcome of an ingest run.
   *
   * @param skipped sources without a path
   */
  public record Report(
      String runId, LocalDate asOf, List<SourceResult> sources, List<Source> skipped) {}

  /** A present source, checked and ready to read. */
  private record Plan(SourceConfig config, Optional<StructType> schema, SourceMapping mapping) {}

  /** Runs ingest; a contract problem or a dirty source ends it with a contract error (exit 3). */
  public static Report run(JobContext ctx) {
    Timestamp started = Timestamp.from(Instant.now());
    CslakeConfig config = ctx.config();
    LocalDate asOf = config.asOf().orElse(LocalDate.now(ZoneOffset.UTC));
    LOG.info("ingest {} as of {} into {}", ctx.runId(), asOf, ctx.lakehouse().root());

    List<Source> skipped = new ArrayList<>();
    Map<Source, Plan> plans = plan(ctx.spark(), config, skipped);

    List<SourceResult> results = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    String failure = null;
    try {
      Dataset<Row> accountIds = null;
      for (Plan plan : plans.values()) {
        SourceResult result = ingest(ctx, plan, asOf, accountIds);
        results.add(result);
        entries.add(entry(ctx, result, started));
        if (plan.config().source() == Source.ACCOUNTS) {
          if (!result.isOk()) {
            break;
          }
          accountIds =
              ctx.spark()
                  .read()
                  .format("delta")
                  .load(ctx.lakehouse().silver(Source.ACCOUNTS.id()))
                  .select("account_id");
        }
      }
      List<SourceResult> dirty = results.stream().filter(r -> !r.isOk()).toList();
      if (!dirty.isEmpty()) {
        failure = dirtyMessage(dirty, config.ingest().maxQuarantineFraction(), ctx);
      }
    } catch (RuntimeException e) {
      failure = e.getMessage();
      entries.add(ctx.commandEntry(started, "failed", failure));
      RunsTable.append(ctx.spark(), ctx.lakehouse(), entries);
      throw e;
    }
    entries.add(ctx.commandEntry(started, failure == null ? "success" : "failed", failure));
    RunsTable.append(ctx.spark(), ctx.lakehouse(), entries);
    if (failure != null) {
      throw CslakeException.contract(failure);
    }
    return new Report(ctx.runId(), asOf, results, skipped);
  }

  /** Checks which sources are present and every mapping, reading schemas but no data. */
  private static Map<Source, Plan> plan(
      SparkSession spark, CslakeConfig config, List<Source> skipped) {
    if (!config.source(Source.ACCOUNTS).isPresent()) {
      throw CslakeException.contract(
          "Cannot ingest: the required source 'accounts' has no path. Set"
              + " cslake.sources.accounts.path.");
    }
    if (!config.source(Source.SUBSCRIPTIONS).isPresent()
        && !config.source(Source.TRANSACTIONS).isPresent()) {
      throw CslakeException.contract(
          "Cannot ingest: neither 'subscriptions' nor 'transactions' has a path; at least one is"
              + " required. Set cslake.sources.subscriptions.path (a contractual business) or"
              + " cslake.sources.transactions.path (one-off purchases).");
    }
    Map<Source, Plan> plans = new LinkedHashMap<>();
    for (Source source : Source.values()) {
      SourceConfig sc = config.source(source);
      if (!sc.isPresent()) {
        LOG.info("Source {} is not configured (no path): skipped.", source.id());
        skipped.add(source);
        continue;
      }
      Optional<StructType> schema = SourceReader.schema(spark, sc);
      SourceMapping mapping =
          schema
              .map(s -> SourceMapping.resolve(spark, sc, s))
              .orElseGet(() -> SourceMapping.resolve(spark, sc, contractSchema(source)));
      plans.put(source, new Plan(sc, schema, mapping));
    }
    return plans;
  }

  private static SourceResult ingest(
      JobContext ctx, Plan plan, LocalDate asOf, Dataset<Row> accountIds) {
    long t0 = System.nanoTime();
    SparkSession spark = ctx.spark();
    Source source = plan.config().source();
    String silver = ctx.lakehouse().silver(source.id());
    boolean usage = source == Source.USAGE_EVENTS;

    Dataset<Row> raw =
        plan.schema().isPresent()
            ? SourceReader.read(spark, plan.config(), plan.schema().get())
            : spark.createDataFrame(Collections.<Row>emptyList(), contractSchema(source));
    if (plan.mapping().filter().isPresent()) {
      raw = raw.filter(plan.mapping().filter().get());
    }
    Optional<LocalDate> window = usage ? usageWindow(ctx) : Optional.empty();
    if (window.isPresent()) {
      // event_time >= the window's first midnight (UTC, the session's time zone): the same rows
      // as to_date(event_time) >= window, but a plain comparison that Parquet and Delta can push
      // down, so files and row groups of older days are skipped instead of read and filtered.
      Column eventTime = plan.mapping().fields().get("event_time").cast(DataTypes.TimestampType);
      Timestamp windowStart = Timestamp.from(window.get().atStartOfDay(ZoneOffset.UTC).toInstant());
      raw = raw.filter(eventTime.isNull().or(eventTime.geq(lit(windowStart))));
    }

    Dataset<Row> classified =
        Validation.classify(raw, plan.mapping(), asOf, ctx.config().ingest().futureToleranceDays());
    if (source.referencesAccounts()) {
      classified = Validation.rejectUnknownAccounts(classified, accountIds);
    }
    classified = Validation.markDuplicates(classified, source);
    Column eventDate = usage ? to_date(col("event_time")) : lit(null).cast(DataTypes.DateType);
    // Only a quarantined or duplicate row needs its raw form (the record in _quarantine): the
    // accepted rows, nearly all of them, are persisted without it, about half of what they weighed.
    classified =
        classified
            .withColumn(EVENT_DATE, eventDate)
            .withColumn(
                Validation.RAW, when(col(Validation.RULE).isNotNull(), col(Validation.RAW)));
    classified.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Map<String, Long> byRule = new LinkedHashMap<>();
      long accepted = 0;
      LocalDate lastDate = null;
      LocalDate firstDate = null;
      for (Row r :
          classified
              .groupBy(Validation.RULE)
              .agg(count(lit(1)), max(col(EVENT_DATE)), min(col(EVENT_DATE)))
              .collectAsList()) {
        if (r.isNullAt(0)) {
          accepted = r.getLong(1);
          lastDate = r.isNullAt(2) ? null : r.getDate(2).toLocalDate();
          firstDate = r.isNullAt(3) ? null : r.getDate(3).toLocalDate();
        } else {
          byRule.put(r.getString(0), r.getLong(1));
        }
      }
      long duplicates = byRule.getOrDefault(Validation.DUPLICATE, 0L);
      long quarantined =
          byRule.entrySet().stream()
              .filter(e -> !e.getKey().equals(Validation.DUPLICATE))
              .mapToLong(Map.Entry::getValue)
              .sum();
      long read = accepted + quarantined + duplicates;
      Counts counts = new Counts(read, accepted, quarantined, duplicates, byRule);

      Column scope = QuarantineTable.sourceScope(source.id());
      if (window.isPresent()) {
        scope =
            scope.and(
                col(QuarantineTable.EVENT_DATE)
                    .isNull()
                    .or(col(QuarantineTable.EVENT_DATE).geq(lit(window.get()))));
      }
      QuarantineTable.replace(
          ctx.lakehouse(),
          QuarantineTable.rows(
              classified, source.id(), ctx.runId(), Timestamp.from(Instant.now()), col(EVENT_DATE)),
          scope);

      double fraction = read == 0 ? 0 : (double) quarantined / read;
      boolean dirty = fraction > ctx.config().ingest().maxQuarantineFraction();
      if (!dirty) {
        Dataset<Row> good = Validation.accepted(classified, plan.mapping());
        if (usage) {
          good = good.withColumn(EVENT_DATE, to_date(col("event_time")));
          int files = filesPerDate(accepted, firstDate, lastDate);
          writeByDate(good, silver, window, files);
          rollUp(ctx, good, window, files);
          if (lastDate != null) {
            WatermarkTable.advance(spark, ctx.lakehouse(), source.id(), lastDate);
          }
        } else {
          DeltaWriter.overwrite(good, silver, List.of());
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      LOG.info(
          "ingest {}: read {}, accepted {}, quarantined {}, duplicates {}{}{} ({} s)",
          source.id(),
          read,
          accepted,
          quarantined,
          duplicates,
          byRule.isEmpty() ? "" : " " + byRule,
          window.map(w -> ", dates from " + w).orElse(""),
          String.format(Locale.ROOT, "%.1f", seconds));
      return new SourceResult(source, counts, dirty ? "failed" : "ok", window, seconds);
    } finally {
      classified.unpersist();
    }
  }

  /**
   * Rolls the accepted usage events of the re-read dates up to {@code silver/user_activity_daily}
   * and {@code silver/account_usage_daily}, replacing the same dates (everything on a full read).
   * The events come from the persisted frame just written to silver, so each day of raw events is
   * read once; the account rollup is built from the user rollup just written.
   */
  private static void rollUp(
      JobContext ctx, Dataset<Row> good, Optional<LocalDate> window, int filesPerDate) {
    long t0 = System.nanoTime();
    EngagementRules rules = engagementRules(ctx.config());
    String userPath = ctx.lakehouse().silver(UserActivityDaily.TABLE);
    writeByDate(UserActivityDaily.compute(good, rules), userPath, window, filesPerDate);
    Dataset<Row> userDays = ctx.spark().read().format("delta").load(userPath);
    if (window.isPresent()) {
      userDays = userDays.filter(col(EVENT_DATE).geq(lit(window.get())));
    }
    write(
        AccountUsageDaily.compute(userDays),
        ctx.lakehouse().silver(AccountUsageDaily.TABLE),
        window,
        List.of());
    LOG.info(
        "ingest {} and {}: {} ({} s)",
        UserActivityDaily.TABLE,
        AccountUsageDaily.TABLE,
        window.map(w -> "dates from " + w + " replaced").orElse("rebuilt from every date"),
        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
  }

  /** The engagement definitions of {@code cslake.engagement}. */
  static EngagementRules engagementRules(CslakeConfig config) {
    CslakeConfig.EngagementSettings e = config.engagement();
    return new EngagementRules(
        e.activeEventTypes(), e.loginEventTypes(), e.features(), e.keyFeature());
  }

  /** Rows per file of a date-partitioned silver table that a date's rows are spread over. */
  static final long ROWS_PER_FILE = 2_000_000L;

  /**
   * How many files each date of {@code rows} accepted events from {@code first} to {@code last}
   * should be written as: one for up to {@link #ROWS_PER_FILE} events a day, more for busier days.
   * Without it every task of the write's shuffle writes a file into every date (thousands of tiny
   * files for a year of a small company, and as many small Parquet reads for every later job).
   */
  static int filesPerDate(long rows, LocalDate first, LocalDate last) {
    if (rows == 0 || first == null || last == null) {
      return 1;
    }
    long days = java.time.temporal.ChronoUnit.DAYS.between(first, last) + 1;
    long perDay = (rows + days - 1) / days;
    return (int) Math.max(1, Math.min(1024, (perDay + ROWS_PER_FILE - 1) / ROWS_PER_FILE));
  }

  /**
   * Replaces the dates from {@code window} on, or the whole table when there is no window, as a
   * table partitioned by {@code event_date} whose every date is {@code filesPerDate} files at most
   * (rows spread over them by account).
   */
  private static void writeByDate(
      Dataset<Row> rows, String path, Optional<LocalDate> window, int filesPerDate) {
    write(
        rows.repartition(col(EVENT_DATE), pmod(xxhash64(col("account_id")), lit(filesPerDate))),
        path,
        window,
        List.of(EVENT_DATE));
  }

  /** Replaces the dates from {@code window} on, or the whole table when there is no window. */
  private static void write(
      Dataset<Row> rows, String path, Optional<LocalDate> window, List<String> partitionBy) {
    if (window.isPresent()) {
      DeltaWriter.replace(rows, path, col(EVENT_DATE).geq(lit(window.get())), partitionBy);
    } else {
      DeltaWriter.overwrite(rows, path, partitionBy);
    }
  }

  /**
   * The first usage date to re-read, or empty for a full read: no silver usage events yet, or no
   * rollups (a lakehouse from before them), or no watermark.
   */
  private static Optional<LocalDate> usageWindow(JobContext ctx) {
    for (String table :
        List.of(Source.USAGE_EVENTS.id(), UserActivityDaily.TABLE, AccountUsageDaily.TABLE)) {
      if (!DeltaTable.isDeltaTable(ctx.spark(), ctx.lakehouse().silver(table))) {
        return Optional.empty();
      }
    }
    return WatermarkTable.lastDate(ctx.spark(), ctx.lakehouse(), Source.USAGE_EVENTS.id())
        .map(d -> d.minusDays(ctx.config().ingest().usageLookbackDays()));
  }

  /** The contract's own schema of a source: the shape of a source that has no data files. */
  static StructType contractSchema(Source source) {
    StructType schema = new StructType();
    for (Field field : source.fields()) {
      schema = schema.add(field.name(), field.type().sparkType(), true);
    }
    return schema;
  }

  private static Entry entry(JobContext ctx, SourceResult r, Timestamp started) {
    String message =
        r.isOk()
            ? r.window().map(w -> "incremental from " + w).orElse(null)
            : "quarantined fraction above cslake.ingest.max-quarantine-fraction";
    return new Entry(
        ctx.runId(),
        ctx.command(),
        r.source().id(),
        r.counts(),
        started,
        Timestamp.from(Instant.now()),
        r.status(),
        message);
  }

  private static String dirtyMessage(List<SourceResult> dirty, double max, JobContext ctx) {
    StringBuilder b = new StringBuilder("Cannot accept ");
    for (int i = 0; i < dirty.size(); i++) {
      SourceResult r = dirty.get(i);
      Counts c = r.counts();
      if (i > 0) {
        b.append("; ");
      }
      b.append(
          String.format(
              Locale.ROOT,
              "source '%s': %d of %d rows (%.1f%%) broke validation rules %s",
              r.source().id(),
              c.quarantined(),
              c.read(),
              100.0 * c.quarantined() / c.read(),
              c.byRule()));
    }
    b.append(
        String.format(
            Locale.ROOT,
            ". The limit is cslake.ingest.max-quarantine-fraction = %s. Its silver table was not"
                + " updated; the rejected rows are in %s (run %s). Fix the input or its mapping,"
                + " or raise the limit.",
            max,
            ctx.lakehouse().quarantine(),
            ctx.runId()));
    return b.toString();
  }
}
