package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.table.DeltaWriter;
import io.cslake.transform.clv.BgNbd;
import io.cslake.transform.clv.ClvTables;
import io.cslake.transform.clv.ContractualClv;
import io.cslake.transform.clv.CustomerValue;
import io.cslake.transform.clv.GammaGamma;
import io.cslake.transform.clv.ShiftedBetaGeometric;
import io.cslake.transform.revenue.AccountMonthMrr;
import io.cslake.transform.revenue.HistoricalClv;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code clv} (SPEC §5.6): reads silver (accounts, transactions, subscriptions and {@code
 * account_month_mrr}, written by {@code metrics}) and, when it exists, {@code
 * gold/churn_risk_scores} (written by {@code score}); writes three gold tables, each by one Delta
 * overwrite:
 *
 * <ul>
 *   <li>{@code gold/clv}: one row per account — revenue to date ({@link HistoricalClv}), BG/NBD +
 *       Gamma-Gamma predictions for accounts with transactions, contractual CLV from the latest
 *       churn probability ({@link ContractualClv});
 *   <li>{@code gold/clv_cohorts}: sBG per segment and cohort month, and per segment pooled;
 *   <li>{@code gold/clv_model_params}: every fitted parameter.
 * </ul>
 *
 * <p>Skips, one log line each, never a failure: BG/NBD + Gamma-Gamma without silver transactions or
 * with fewer than {@value #MIN_REPEAT_CUSTOMERS} repeat customers; sBG (and {@code clv_cohorts})
 * without silver subscriptions; a cohort with fewer than {@value #MIN_COHORT_CUSTOMERS} customers
 * or fewer than {@value #MIN_COHORT_PERIODS} months observed after its cohort month (counted);
 * contractual CLV without {@code churn_risk_scores}. Silver subscriptions without {@code
 * account_month_mrr} stop the run with exit 3 ("run cslake metrics first").
 *
 * <p>The as-of date is {@code --as-of}, or else the last day with data in silver ({@link
 * MetricsJob#lastDataDay}). The BG/NBD calibration period ends on it, inclusive.
 */
public final class ClvJob {
  private static final Logger LOG = LoggerFactory.getLogger(ClvJob.class);

  /** BG/NBD and Gamma-Gamma are fitted only with at least this many repeat customers (x > 0). */
  public static final int MIN_REPEAT_CUSTOMERS = 20;

  /** An sBG fit (one cohort, or a segment pooled) needs at least this many customers. */
  public static final int MIN_COHORT_CUSTOMERS = 10;

  /**
   * An sBG fit needs at least this many months observed after the cohort month: with one, only a
   * single retention rate is seen and α, β are not identified.
   */
  public static final int MIN_COHORT_PERIODS = 2;

  private ClvJob() {}

  /**
   * The outcome of a clv run.
   *
   * @param fits every fitted model, sBG cohorts included
   * @param cohortsFitted sBG fits of single cohorts written to clv_cohorts
   * @param cohortsSkipped cohorts too small or too short to fit, or whose fit failed
   * @param contractual whether the contractual columns were computed (churn_risk_scores present)
   * @param predictedClv Σ predicted_clv over accounts (null without a BG/NBD fit)
   * @param contractualClv Σ contractual_clv over accounts (null without churn_risk_scores)
   */
  public record Report(
      String runId,
      LocalDate asOf,
      List<MetricsJob.TableResult> tables,
      List<String> skipped,
      List<ClvTables.ModelFit> fits,
      int cohortsFitted,
      int cohortsSkipped,
      boolean contractual,
      Double predictedClv,
      Double contractualClv) {}

  /** Fits the models the silver sources allow and writes the clv tables. */
  public static Report run(JobContext ctx) {
    return ctx.recorded(
        () -> compute(ctx, Timestamp.from(Instant.now())),
        report ->
            report.tables().stream()
                .map(t -> t.name() + " " + t.rows())
                .collect(Collectors.joining(", ")));
  }

  private static Report compute(JobContext ctx, Timestamp fittedAt) {
    CslakeConfig config = ctx.config();
    CslakeConfig.ClvSettings clv = config.clv();
    double margin = config.metrics().grossMargin();
    if (!(margin > 0)) {
      throw CslakeException.usage(
          "Cannot compute CLV with cslake.gross-margin = "
              + margin
              + ": every value would be 0. Set it to the fraction of revenue kept, e.g. 0.8.");
    }
    Dataset<Row> accounts =
        Silver.read(ctx, Source.ACCOUNTS)
            .orElseThrow(
                () ->
                    CslakeException.contract(
                        "Cannot compute CLV: there is no silver table 'accounts' at "
                            + ctx.lakehouse().silver(Source.ACCOUNTS.id())
                            + ". Run 'cslake ingest' with the same lakehouse first."));
    Optional<Dataset<Row>> subscriptions = Silver.read(ctx, Source.SUBSCRIPTIONS);
    Optional<Dataset<Row>> transactions = Silver.read(ctx, Source.TRANSACTIONS);
    if (subscriptions.isEmpty() && transactions.isEmpty()) {
      throw CslakeException.contract(
          "Cannot compute CLV: silver has neither 'subscriptions' nor 'transactions' under "
              + ctx.lakehouse().root()
              + ". Configure at least one of them and run 'cslake ingest' first.");
    }
    Optional<Dataset<Row>> accountMonths = Silver.read(ctx, AccountMonthMrr.TABLE);
    if (subscriptions.isPresent() && accountMonths.isEmpty()) {
      throw CslakeException.contract(
          "Cannot compute CLV: silver has subscriptions but no '"
              + AccountMonthMrr.TABLE
              + "' at "
              + ctx.lakehouse().silver(AccountMonthMrr.TABLE)
              + ". Run 'cslake metrics' with the same lakehouse first.");
    }
    LocalDate asOf = config.asOf().orElseGet(() -> MetricsJob.lastDataDay(ctx));
    LOG.info(
        "clv {} as of {} from {} (time unit {}, horizon {} months, discount {} a month)",
        ctx.runId(),
        asOf,
        ctx.lakehouse().root(),
        clv.timeUnit().name().toLowerCase(Locale.ROOT),
        clv.horizonMonths(),
        clv.discountRateMonthly());

    List<MetricsJob.TableResult> tables = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<ClvTables.ModelFit> fits = new ArrayList<>();

    // BG/NBD + Gamma-Gamma.
    Optional<Dataset<Row>> predicted = Optional.empty();
    Dataset<Row> statistics = null;
    if (transactions.isEmpty()) {
      LOG.info("clv: BG/NBD and Gamma-Gamma skipped: no silver transactions.");
      skipped.add("bgnbd, gamma_gamma (no silver transactions)");
    } else {
      statistics =
          BgNbd.statistics(transactions.get(), asOf, clv.timeUnit().days())
              .persist(StorageLevel.MEMORY_AND_DISK());
      predicted = predictive(statistics, clv, margin, fits, skipped);
    }

    // sBG per cohort and segment.
    List<ClvTables.CohortFit> cohortFits = new ArrayList<>();
    int[] cohortCounts = {0, 0};
    if (accountMonths.isPresent()) {
      cohortFits = cohorts(accountMonths.get(), accounts, asOf, cohortCounts);
      cohortFits.forEach(c -> fits.add(c.modelFit()));
    } else {
      LOG.info("clv: sBG retention skipped: no silver subscriptions.");
      skipped.add("gold/" + ClvTables.COHORTS + " (no silver subscriptions)");
    }

    // Contractual CLV from churn scores.
    Optional<Dataset<Row>> contractual = Optional.empty();
    String scoresPath = ctx.lakehouse().gold(ContractualClv.SCORES_TABLE);
    if (!DeltaTable.isDeltaTable(ctx.spark(), scoresPath)) {
      LOG.info(
          "clv: contractual columns null (monthly_hazard, expected_lifetime_months,"
              + " contractual_clv): no gold/{}; 'cslake score' produces it.",
          ContractualClv.SCORES_TABLE);
    } else if (accountMonths.isEmpty()) {
      LOG.info(
          "clv: contractual columns null: no silver {} (no subscriptions).", AccountMonthMrr.TABLE);
    } else {
      contractual =
          Optional.of(
              ContractualClv.compute(
                  ctx.spark().read().format("delta").load(scoresPath),
                  accountMonths.get(),
                  new ContractualClv.Settings(
                      clv.horizonMonths(),
                      clv.discountRateMonthly(),
                      margin,
                      ctx.config().features().horizonDays()),
                  asOf));
    }

    Dataset<Row> written =
        write(
            ctx,
            tables,
            gold(ClvTables.CLV),
            ctx.lakehouse().gold(ClvTables.CLV),
            ClvTables.customerValue(
                HistoricalClv.compute(accounts, accountMonths, transactions, asOf),
                predicted,
                contractual));
    if (statistics != null) {
      statistics.unpersist();
    }
    if (accountMonths.isPresent()) {
      write(
          ctx,
          tables,
          gold(ClvTables.COHORTS),
          ctx.lakehouse().gold(ClvTables.COHORTS),
          ctx.spark()
              .createDataFrame(
                  ClvTables.cohortRows(cohortFits, clv.horizonMonths(), fittedAt),
                  ClvTables.COHORTS_SCHEMA));
    }
    write(
        ctx,
        tables,
        gold(ClvTables.MODEL_PARAMS),
        ctx.lakehouse().gold(ClvTables.MODEL_PARAMS),
        ctx.spark()
            .createDataFrame(
                ClvTables.modelParamRows(fits, fittedAt), ClvTables.MODEL_PARAMS_SCHEMA));
    Row totals =
        written
            .agg(
                sum(ClvTables.PREDICTED_CLV),
                sum(ContractualClv.CONTRACTUAL_CLV),
                count(col(ClvTables.PREDICTED_CLV)))
            .first();
    return new Report(
        ctx.runId(),
        asOf,
        tables,
        skipped,
        fits,
        cohortCounts[0],
        cohortCounts[1],
        contractual.isPresent(),
        predicted.isPresent() && !totals.isNullAt(0) ? totals.getDouble(0) : null,
        contractual.isPresent() && !totals.isNullAt(1) ? totals.getDouble(1) : null);
  }

  /**
   * Fits BG/NBD and Gamma-Gamma on the compressed statistics and returns the per-customer
   * predictions, or empty (logged, in {@code skipped}) when there are too few repeat customers or a
   * fit fails.
   */
  private static Optional<Dataset<Row>> predictive(
      Dataset<Row> statistics,
      CslakeConfig.ClvSettings clv,
      double margin,
      List<ClvTables.ModelFit> fits,
      List<String> skipped) {
    long t0 = System.nanoTime();
    List<BgNbd.Statistics> tuples = BgNbd.compress(statistics);
    long customers = tuples.stream().mapToLong(BgNbd.Statistics::customers).sum();
    long repeat =
        tuples.stream().filter(s -> s.x() > 0).mapToLong(BgNbd.Statistics::customers).sum();
    if (repeat < MIN_REPEAT_CUSTOMERS) {
      String why =
          repeat
              + " repeat customers of "
              + customers
              + " up to the as-of date, fewer than "
              + MIN_REPEAT_CUSTOMERS;
      LOG.info("clv: BG/NBD and Gamma-Gamma skipped: {}.", why);
      skipped.add("bgnbd, gamma_gamma (" + why + ")");
      return Optional.empty();
    }
    BgNbd.Fit purchases;
    GammaGamma.Fit spend;
    try {
      purchases = BgNbd.fit(tuples);
      spend = GammaGamma.fit(GammaGamma.compress(statistics));
    } catch (ArithmeticException | IllegalArgumentException e) {
      LOG.info("clv: BG/NBD and Gamma-Gamma skipped: the fit failed: {}", e.getMessage());
      skipped.add("bgnbd, gamma_gamma (the fit failed: " + e.getMessage() + ")");
      return Optional.empty();
    }
    List<ClvTables.ModelFit> fitted =
        List.of(
            new ClvTables.ModelFit(
                BgNbd.MODEL,
                ClvTables.ALL,
                purchases.params().named(),
                purchases.logLikelihood(),
                purchases.customers()),
            new ClvTables.ModelFit(
                GammaGamma.MODEL,
                ClvTables.ALL,
                spend.params().named(),
                spend.logLikelihood(),
                spend.customers()));
    fits.addAll(fitted);
    for (ClvTables.ModelFit fit : fitted) {
      if (!fit.nearBound().isEmpty()) {
        LOG.warn(
            "clv: {} {} fitted at the optimiser's bound for {}: only the model's limit is"
                + " identified by these data (docs/metrics.md)",
            fit.model(),
            fit.group(),
            fit.nearBound());
      }
    }
    LOG.info(
        "clv: BG/NBD {} on {} customers ({} tuples), Gamma-Gamma {} on {} repeat customers ({} s)",
        purchases.params(),
        purchases.customers(),
        purchases.tuples(),
        spend.params(),
        spend.customers(),
        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    return Optional.of(
        CustomerValue.compute(
            statistics,
            purchases.params(),
            spend.params(),
            new CustomerValue.Settings(
                clv.horizonMonths(), clv.discountRateMonthly(), margin, clv.timeUnit().days())));
  }

  /**
   * sBG fits: every cohort of every segment with enough customers and months, and every segment's
   * cohorts pooled. {@code counts[0]} gets the single cohorts fitted, {@code counts[1]} those
   * skipped.
   */
  private static List<ClvTables.CohortFit> cohorts(
      Dataset<Row> accountMonths, Dataset<Row> accounts, LocalDate asOf, int[] counts) {
    long t0 = System.nanoTime();
    List<ShiftedBetaGeometric.Cohort> cohorts =
        ShiftedBetaGeometric.cohorts(ShiftedBetaGeometric.survival(accountMonths, accounts, asOf));
    List<ClvTables.CohortFit> fits = new ArrayList<>();
    Map<String, List<long[]>> bySegment = new LinkedHashMap<>();
    int failed = 0;
    for (ShiftedBetaGeometric.Cohort cohort : cohorts) {
      long[] alive = cohort.alive();
      int periods = alive.length - 1;
      if (periods >= 1) {
        bySegment.computeIfAbsent(cohort.segment(), k -> new ArrayList<>()).add(alive);
      }
      if (alive[0] < MIN_COHORT_CUSTOMERS || periods < MIN_COHORT_PERIODS) {
        counts[1]++;
        continue;
      }
      Optional<ShiftedBetaGeometric.Fit> fit = fitSbg(List.of(alive));
      if (fit.isEmpty()) {
        counts[1]++;
        failed++;
        continue;
      }
      counts[0]++;
      fits.add(
          new ClvTables.CohortFit(
              cohort.segment(), Optional.of(cohort.cohortMonth()), periods, fit.get()));
    }
    for (Map.Entry<String, List<long[]>> segment : bySegment.entrySet()) {
      long customers = segment.getValue().stream().mapToLong(a -> a[0]).sum();
      int periods = segment.getValue().stream().mapToInt(a -> a.length - 1).max().orElse(0);
      if (customers < MIN_COHORT_CUSTOMERS || periods < MIN_COHORT_PERIODS) {
        continue;
      }
      fitSbg(segment.getValue())
          .ifPresent(
              f ->
                  fits.add(
                      new ClvTables.CohortFit(segment.getKey(), Optional.empty(), periods, f)));
    }
    LOG.info(
        "clv: sBG fitted {} cohorts and {} pooled segments; {} cohorts skipped (fewer than {}"
            + " customers or {} months observed{}) ({} s)",
        counts[0],
        fits.size() - counts[0],
        counts[1],
        MIN_COHORT_CUSTOMERS,
        MIN_COHORT_PERIODS,
        failed > 0 ? ", or " + failed + " whose fit failed" : "",
        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    return fits;
  }

  private static Optional<ShiftedBetaGeometric.Fit> fitSbg(List<long[]> cohorts) {
    try {
      return Optional.of(ShiftedBetaGeometric.fit(cohorts));
    } catch (ArithmeticException | IllegalArgumentException e) {
      LOG.debug("clv: sBG fit failed", e);
      return Optional.empty();
    }
  }

  /** Overwrites the table at {@code path} with {@code rows} and returns it as written. */
  private static Dataset<Row> write(
      JobContext ctx,
      List<MetricsJob.TableResult> tables,
      String name,
      String path,
      Dataset<Row> rows) {
    long t0 = System.nanoTime();
    long count = DeltaWriter.overwrite(rows, path, List.of()).rows();
    Dataset<Row> written = ctx.spark().read().format("delta").load(path);
    double seconds = (System.nanoTime() - t0) / 1e9;
    LOG.info("clv {}: {} rows ({} s)", name, count, String.format(Locale.ROOT, "%.1f", seconds));
    tables.add(new MetricsJob.TableResult(name, path, count, seconds));
    return written;
  }

  private static String gold(String table) {
    return "gold/" + table;
  }
}
