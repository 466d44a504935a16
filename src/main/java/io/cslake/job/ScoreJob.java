package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.model.Candidates;
import io.cslake.model.ChurnModel;
import io.cslake.model.ChurnScorer;
import io.cslake.table.DeltaWriter;
import io.cslake.transform.Account360;
import io.cslake.transform.experience.CsTeamKpis;
import io.cslake.transform.features.ChurnFeatures;
import io.cslake.transform.health.HealthBacktest;
import io.cslake.transform.health.HealthScore;
import io.cslake.transform.playbooks.PlaybookAlerts;
import io.cslake.transform.playbooks.Playbooks;
import io.delta.tables.DeltaTable;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code score} (SPEC §6.3–6.5): scores every account of a {@code churn_features} snapshot with the
 * latest registered model into {@code gold/churn_risk_scores} (MERGE on account and date:
 * re-scoring a date replaces its rows, other dates are kept), refreshes {@code
 * gold/churn_risk_latest} (the rows of the newest date scored, for dashboards) and rebuilds {@code
 * gold/account_360}.
 */
public final class ScoreJob {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);

  /** The latest date's rows of churn_risk_scores. */
  public static final String LATEST = "churn_risk_latest";

  private ScoreJob() {}

  /**
   * The outcome of a scoring run.
   *
   * @param modelVersion null when no model scored (see {@link #runWithoutModel})
   * @param algorithm null when no model scored
   * @param bands accounts per risk band, high first; empty when no model scored
   */
  public record Report(
      String runId,
      LocalDate asOf,
      String modelVersion,
      String algorithm,
      long accounts,
      List<BandCount> bands,
      double mrrAtRisk,
      long account360Rows,
      HealthBacktest.Report healthBacktest,
      Optional<HealthBacktest.WeightFit> healthWeights,
      Alerts alerts) {

    /** Whether a churn model scored the accounts (else only health, account_360 and alerts). */
    public boolean scored() {
      return modelVersion != null;
    }
  }

  /** Accounts and MRR at risk in one band. */
  public record BandCount(String band, long accounts, double mrrAtRisk) {}

  /** Scores and writes. */
  public static Report run(JobContext ctx) {
    return run(ctx, false);
  }

  /**
   * Scores and writes; with {@code fitHealthWeights}, also fits non-negative health component
   * weights to the churn outcomes of the labelled snapshots (reported, never applied).
   */
  public static Report run(JobContext ctx, boolean fitHealthWeights) {
    return run(ctx, fitHealthWeights, true);
  }

  /**
   * What {@code run} does when no churn model can be trained yet (too little labelled history):
   * everything of score that needs no model - {@code account_health} and its backtest, {@code
   * account_360} without risk columns, the playbook alerts whose rules need none - and no {@code
   * churn_risk_scores}.
   */
  public static Report runWithoutModel(JobContext ctx) {
    return run(ctx, false, false);
  }

  private static Report run(JobContext ctx, boolean fitHealthWeights, boolean withModel) {
    return ctx.recorded(
        () -> compute(ctx, Timestamp.from(Instant.now()), fitHealthWeights, withModel),
        r ->
            r.scored()
                ? String.format(
                    Locale.ROOT,
                    "%d accounts as of %s with %s: %s",
                    r.accounts(),
                    r.asOf(),
                    r.modelVersion(),
                    r.bands().stream()
                        .map(b -> b.band() + " " + b.accounts())
                        .collect(Collectors.joining(", ")))
                : String.format(
                    Locale.ROOT,
                    "as of %s without a churn model: health, account_360 (%d rows) and alerts only",
                    r.asOf(),
                    r.account360Rows()));
  }

  /** The newest model in {@code model_runs}, loaded; empty when none was trained. */
  public static Optional<ChurnModel> latestModel(JobContext ctx) {
    String runs = ctx.lakehouse().gold(TrainJob.MODEL_RUNS);
    if (!DeltaTable.isDeltaTable(ctx.spark(), runs)) {
      return Optional.empty();
    }
    List<Row> latest =
        ctx.spark()
            .read()
            .format("delta")
            .load(runs)
            .orderBy(desc(TrainJob.TRAINED_AT))
            .select(
                TrainJob.MODEL_VERSION,
                TrainJob.ALGORITHM,
                TrainJob.ARTIFACT_PATH,
                TrainJob.FEATURE_SCHEMA)
            .limit(1)
            .collectAsList();
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    Row r = latest.get(0);
    List<String> numeric = new ArrayList<>();
    List<String> categorical = new ArrayList<>();
    for (Row f : r.<Row>getList(3)) {
      ("categorical".equals(f.getString(1)) ? categorical : numeric).add(f.getString(0));
    }
    try {
      return Optional.of(
          ChurnModel.load(
              r.getString(0),
              r.getString(1),
              r.getString(2),
              new Candidates.Schema(numeric, categorical)));
    } catch (RuntimeException e) {
      throw CslakeException.contract(
          "Cannot load the churn model "
              + r.getString(0)
              + " registered in gold/"
              + TrainJob.MODEL_RUNS
              + " from "
              + r.getString(2)
              + " ("
              + e.getMessage()
              + "). Run 'cslake train' to register a new one.");
    }
  }

  /** Why {@code model} cannot score the current features; empty when it can. */
  public static List<String> mismatches(JobContext ctx, ChurnModel model) {
    return model.mismatches(features(ctx).schema());
  }

  private static Dataset<Row> features(JobContext ctx) {
    String path = ctx.lakehouse().gold(ChurnFeatures.TABLE);
    if (!DeltaTable.isDeltaTable(ctx.spark(), path)) {
      throw CslakeException.contract(
          "Cannot score: there is no gold/"
              + ChurnFeatures.TABLE
              + " at "
              + path
              + ". Run 'cslake features' with the same lakehouse first.");
    }
    return ctx.spark().read().format("delta").load(path);
  }

  private static Report compute(
      JobContext ctx, Timestamp scoredAt, boolean fitHealthWeights, boolean withModel) {
    CslakeConfig config = ctx.config();
    SparkSession spark = ctx.spark();
    Dataset<Row> features = features(ctx);
    LocalDate asOf = asOf(ctx, features);
    // The health formulas and the playbook conditions are checked before anything is written.
    HealthScore.check(features, config.health());
    Playbooks.guard(spark, config.playbooks().rules());
    Optional<ChurnModel> model = withModel ? Optional.of(model(ctx, features)) : Optional.empty();
    List<BandCount> bands = List.of();
    long accounts = 0;
    double atRisk = 0;
    if (model.isPresent()) {
      bands = scoreAndMerge(ctx, model.get(), features, asOf, scoredAt);
      accounts = bands.stream().mapToLong(BandCount::accounts).sum();
      atRisk = bands.stream().mapToDouble(BandCount::mrrAtRisk).sum();
      LOG.info("score: {} accounts scored as of {}, MRR at risk {}", accounts, asOf, atRisk);
      refreshLatest(ctx);
    } else {
      LOG.warn(
          "score {} as of {}: no churn model, so no gold/{}; writing health, account_360 and"
              + " alerts",
          ctx.runId(),
          asOf,
          ChurnScorer.TABLE);
    }

    // Health of every snapshot (the trend compares consecutive ones), then its backtest.
    String healthPath = ctx.lakehouse().gold(HealthScore.TABLE);
    DeltaWriter.overwrite(
        HealthScore.compute(features, config.health()),
        healthPath,
        List.of(HealthScore.AS_OF_DATE));
    Dataset<Row> labelled =
        HealthBacktest.labelled(spark.read().format("delta").load(healthPath), features)
            .persist(StorageLevel.MEMORY_AND_DISK());
    HealthBacktest.Report backtest = HealthBacktest.evaluate(labelled);
    DeltaWriter.overwrite(
        spark.createDataFrame(backtestRows(backtest, scoredAt), BACKTEST_SCHEMA),
        ctx.lakehouse().gold(HEALTH_BACKTEST),
        List.of());
    Optional<HealthBacktest.WeightFit> weights =
        fitHealthWeights
            ? Optional.of(HealthBacktest.fitWeights(labelled, config.health()))
            : Optional.empty();
    labelled.unpersist();
    LOG.info(
        "score: health backtest ROC-AUC of (100 - health) for churn within the horizon: {} over"
            + " {} labelled account-snapshots",
        backtest.overall().rocAuc(),
        backtest.overall().accounts());

    refreshTeamHealth(ctx, healthPath, asOf);
    long rows360 =
        (model.isPresent() ? refreshAccount360(ctx) : refreshAccount360(ctx, asOf)).orElse(0L);
    Alerts alerts = alerts(ctx, scoredAt);
    return new Report(
        ctx.runId(),
        asOf,
        model.map(ChurnModel::version).orElse(null),
        model.map(ChurnModel::algorithm).orElse(null),
        accounts,
        bands,
        atRisk,
        rows360,
        backtest,
        weights,
        alerts);
  }

  /** The newest registered model, which must fit the features. */
  private static ChurnModel model(JobContext ctx, Dataset<Row> features) {
    ChurnModel model =
        latestModel(ctx)
            .orElseThrow(
                () ->
                    CslakeException.contract(
                        "Cannot score: no churn model is registered in gold/"
                            + TrainJob.MODEL_RUNS
                            + " under "
                            + ctx.lakehouse().root()
                            + ". Run 'cslake train' first."));
    List<String> mismatches = model.mismatches(features.schema());
    if (!mismatches.isEmpty()) {
      throw CslakeException.contract(
          "Cannot score with the churn model "
              + model.version()
              + ": its feature schema does not match gold/"
              + ChurnFeatures.TABLE
              + " ("
              + String.join("; ", mismatches)
              + "). The features changed since it was trained (a source added or removed, a"
              + " column's type changed): run 'cslake train' to fit a model on them.");
    }
    return model;
  }

  /** Scores the snapshot of {@code asOf}, MERGEs the scores and returns the bands written. */
  private static List<BandCount> scoreAndMerge(
      JobContext ctx, ChurnModel model, Dataset<Row> features, LocalDate asOf, Timestamp scoredAt) {
    CslakeConfig config = ctx.config();
    SparkSession spark = ctx.spark();
    LOG.info(
        "score {} as of {} with {} ({})", ctx.runId(), asOf, model.version(), model.algorithm());
    Dataset<Row> snapshot =
        features.filter(col(ChurnFeatures.AS_OF_DATE).equalTo(lit(Date.valueOf(asOf))));
    Dataset<Row> scores =
        ChurnScorer.score(
            model,
            snapshot,
            new ChurnScorer.Bands(config.model().riskHigh(), config.model().riskMedium()),
            scoredAt);

    String path = ctx.lakehouse().gold(ChurnScorer.TABLE);
    merge(spark, scores, path, asOf);
    Dataset<Row> written =
        spark
            .read()
            .format("delta")
            .load(path)
            .filter(col(ChurnScorer.AS_OF_DATE).equalTo(lit(Date.valueOf(asOf))));
    return bands(written);
  }

  /**
   * What the playbooks did in a run.
   *
   * @param opened alerts opened, per rule
   * @param closed alerts closed because their rule stopped holding
   * @param open alerts open after the run
   * @param skipped rules not evaluated, each with why (a column account_360 does not have)
   */
  public record Alerts(Map<String, Long> opened, long closed, long open, List<String> skipped) {}

  /**
   * Evaluates the playbook rules over {@code gold/account_360} and MERGEs the alerts opened and
   * closed into {@code gold/playbook_alerts} (on alert_id) in one commit.
   */
  static Alerts alerts(JobContext ctx, Timestamp runAt) {
    SparkSession spark = ctx.spark();
    Dataset<Row> account360 =
        spark.read().format("delta").load(ctx.lakehouse().gold(Account360.TABLE));
    Playbooks.Validated rules =
        Playbooks.validate(spark, ctx.config().playbooks().rules(), account360.schema());
    String path = ctx.lakehouse().gold(PlaybookAlerts.TABLE);
    boolean exists = DeltaTable.isDeltaTable(spark, path);
    Dataset<Row> existing =
        exists
            ? spark.read().format("delta").load(path)
            : spark.createDataFrame(Collections.<Row>emptyList(), PlaybookAlerts.SCHEMA);
    Dataset<Row> changes =
        Playbooks.evaluate(account360, rules.rules(), existing, runAt)
            .persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Long> opened = new TreeMap<>();
    long closed = 0;
    for (Row r :
        changes
            .groupBy(col(PlaybookAlerts.STATUS), col(PlaybookAlerts.RULE))
            .count()
            .collectAsList()) {
      if (PlaybookAlerts.OPEN.equals(r.getString(0))) {
        opened.put(r.getString(1), r.getLong(2));
      } else {
        closed += r.getLong(2);
      }
    }
    if (!exists) {
      DeltaWriter.overwrite(changes, path, List.of());
    } else {
      DeltaTable.forPath(spark, path)
          .as("t")
          .merge(
              changes.as("s"),
              col("t." + PlaybookAlerts.ALERT_ID).equalTo(col("s." + PlaybookAlerts.ALERT_ID)))
          .whenMatched()
          .updateAll()
          .whenNotMatched()
          .insertAll()
          .execute();
    }
    changes.unpersist();
    long open =
        spark
            .read()
            .format("delta")
            .load(path)
            .filter(col(PlaybookAlerts.STATUS).equalTo(lit(PlaybookAlerts.OPEN)))
            .count();
    List<String> skipped = rules.skipped().stream().map(Playbooks.Skipped::reason).toList();
    LOG.info("score: playbook alerts opened {}, closed {}, open now {}", opened, closed, open);
    return new Alerts(opened, closed, open, skipped);
  }

  /** The health backtest table: one row per labelled as_of_date, and one overall (date null). */
  public static final String HEALTH_BACKTEST = "health_backtest";

  static final StructType BACKTEST_SCHEMA =
      new StructType()
          .add("as_of_date", DataTypes.DateType, true)
          .add(HealthBacktest.ACCOUNTS, DataTypes.LongType, false)
          .add(HealthBacktest.CHURNED, DataTypes.LongType, false)
          .add(HealthBacktest.ROC_AUC, DataTypes.DoubleType, true)
          .add("computed_at", DataTypes.TimestampType, false);

  private static List<Row> backtestRows(HealthBacktest.Report report, Timestamp at) {
    List<Row> rows = new ArrayList<>();
    report
        .byDate()
        .forEach(
            (day, auc) ->
                rows.add(
                    RowFactory.create(
                        Date.valueOf(day), auc.accounts(), auc.churned(), auc.rocAuc(), at)));
    HealthBacktest.Auc all = report.overall();
    rows.add(RowFactory.create(null, all.accounts(), all.churned(), all.rocAuc(), at));
    return rows;
  }

  /** The as-of date scored: the configured one (which must be a snapshot), else the newest. */
  private static LocalDate asOf(JobContext ctx, Dataset<Row> features) {
    Row newest = features.agg(max(col(ChurnFeatures.AS_OF_DATE))).first();
    if (newest.isNullAt(0)) {
      throw CslakeException.contract(
          "Cannot score: gold/" + ChurnFeatures.TABLE + " is empty. Run 'cslake features' first.");
    }
    Optional<LocalDate> wanted = ctx.config().asOf();
    if (wanted.isEmpty()) {
      return newest.getDate(0).toLocalDate();
    }
    LocalDate day = wanted.get();
    boolean exists =
        !features
            .filter(col(ChurnFeatures.AS_OF_DATE).equalTo(lit(Date.valueOf(day))))
            .limit(1)
            .isEmpty();
    if (!exists) {
      throw CslakeException.usage(
          "Cannot score as of "
              + day
              + ": gold/"
              + ChurnFeatures.TABLE
              + " has no snapshot of that date. Run 'cslake features --as-of "
              + day
              + "' first, or leave --as-of out to score the newest snapshot ("
              + newest.getDate(0)
              + ").");
    }
    return day;
  }

  /**
   * Sets {@code cs_team_kpis.mean_health} from the account_health just written, in one MERGE: in
   * {@code run}, metrics wrote the table before this run's health existed. Each row gets its
   * month's mean (null when the month has no snapshot); rows already right are not rewritten.
   * Nothing to do when metrics has not written cs_team_kpis or there are no silver accounts.
   */
  static void refreshTeamHealth(JobContext ctx, String healthPath, LocalDate asOf) {
    SparkSession spark = ctx.spark();
    String path = ctx.lakehouse().gold(CsTeamKpis.TABLE);
    Optional<Dataset<Row>> accounts = Silver.read(ctx, Source.ACCOUNTS);
    if (accounts.isEmpty() || !DeltaTable.isDeltaTable(spark, path)) {
      LOG.info("score: no {} or silver accounts: mean health of the CSMs' books not set", path);
      return;
    }
    Dataset<Row> means =
        CsTeamKpis.meanHealth(spark.read().format("delta").load(healthPath), accounts.get(), asOf);
    Column target = col("t." + CsTeamKpis.MEAN_HEALTH);
    Column source = col("s." + CsTeamKpis.MEAN_HEALTH);
    DeltaTable.forPath(spark, path)
        .as("t")
        .merge(
            means.as("s"),
            col("t." + CsTeamKpis.CSM_ID)
                .equalTo(col("s." + CsTeamKpis.CSM_ID))
                .and(col("t." + CsTeamKpis.MONTH).equalTo(col("s." + CsTeamKpis.MONTH))))
        .whenMatched(not(target.eqNullSafe(source)))
        .update(Map.of(CsTeamKpis.MEAN_HEALTH, source))
        .whenNotMatchedBySource(target.isNotNull())
        .update(Map.of(CsTeamKpis.MEAN_HEALTH, lit(null).cast("double")))
        .execute();
  }

  /**
   * Writes one date's scores in one commit: rows of the date are updated or inserted by account,
   * and the date's rows of accounts no longer scored are deleted; other dates are untouched.
   */
  static void merge(SparkSession spark, Dataset<Row> scores, String path, LocalDate asOf) {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      DeltaWriter.overwrite(scores, path, List.of(ChurnScorer.AS_OF_DATE));
      return;
    }
    Column sameDate = col("t." + ChurnScorer.AS_OF_DATE).equalTo(lit(Date.valueOf(asOf)));
    DeltaTable.forPath(spark, path)
        .as("t")
        .merge(
            scores.as("s"),
            col("t." + ChurnScorer.ACCOUNT_ID)
                .equalTo(col("s." + ChurnScorer.ACCOUNT_ID))
                .and(col("t." + ChurnScorer.AS_OF_DATE).equalTo(col("s." + ChurnScorer.AS_OF_DATE)))
                .and(sameDate))
        .whenMatched()
        .updateAll()
        .whenNotMatched()
        .insertAll()
        .whenNotMatchedBySource(sameDate)
        .delete()
        .execute();
  }

  private static List<BandCount> bands(Dataset<Row> written) {
    List<BandCount> out = new ArrayList<>();
    List<Row> rows =
        written
            .groupBy(ChurnScorer.RISK_BAND)
            .agg(
                org.apache.spark.sql.functions.count(lit(1)),
                org.apache.spark.sql.functions.sum(col(ChurnScorer.MRR_AT_RISK)))
            .collectAsList();
    for (String band : List.of(ChurnScorer.HIGH, ChurnScorer.MEDIUM, ChurnScorer.LOW)) {
      long n = 0;
      double mrr = 0;
      for (Row r : rows) {
        if (band.equals(r.getString(0))) {
          n = r.getLong(1);
          mrr = r.isNullAt(2) ? 0 : r.getDouble(2);
        }
      }
      out.add(new BandCount(band, n, mrr));
    }
    return out;
  }

  /** Rewrites {@value #LATEST} with the rows of the newest date in churn_risk_scores. */
  static void refreshLatest(JobContext ctx) {
    Dataset<Row> scores =
        ctx.spark().read().format("delta").load(ctx.lakehouse().gold(ChurnScorer.TABLE));
    Row newest = scores.agg(max(col(ChurnScorer.AS_OF_DATE))).first();
    if (newest.isNullAt(0)) {
      return;
    }
    DeltaWriter.overwrite(
        scores.filter(col(ChurnScorer.AS_OF_DATE).equalTo(lit(newest.getDate(0)))),
        ctx.lakehouse().gold(LATEST),
        List.of());
  }

  /**
   * Rebuilds {@code gold/account_360} at the newest scored date from the tables that exist
   * (features, silver accounts, health, risk, CLV); returns its rows, or empty when nothing was
   * scored yet. Run after score and after clv, so it holds the newest of each.
   */
  public static Optional<Long> refreshAccount360(JobContext ctx) {
    SparkSession spark = ctx.spark();
    String scoresPath = ctx.lakehouse().gold(ChurnScorer.TABLE);
    if (!DeltaTable.isDeltaTable(spark, scoresPath)
        || !DeltaTable.isDeltaTable(spark, ctx.lakehouse().gold(ChurnFeatures.TABLE))) {
      return Optional.empty();
    }
    Dataset<Row> risk = spark.read().format("delta").load(ctx.lakehouse().gold(LATEST));
    Row newest = risk.agg(max(col(ChurnScorer.AS_OF_DATE))).first();
    if (newest.isNullAt(0)) {
      return Optional.empty();
    }
    return Optional.of(
        writeAccount360(
            ctx,
            newest.getDate(0),
            Optional.of(
                risk.drop(
                    ChurnScorer.CONTRIBUTIONS,
                    ChurnScorer.BASE_VALUE,
                    ChurnScorer.RAW_MARGIN,
                    ChurnScorer.MRR))));
  }

  /**
   * Rebuilds {@code gold/account_360} at {@code day} without risk columns: what {@code run} does
   * when no churn model could be trained yet (scores of an older model would describe another day).
   */
  public static Optional<Long> refreshAccount360(JobContext ctx, LocalDate day) {
    if (!DeltaTable.isDeltaTable(ctx.spark(), ctx.lakehouse().gold(ChurnFeatures.TABLE))) {
      return Optional.empty();
    }
    return Optional.of(writeAccount360(ctx, Date.valueOf(day), Optional.empty()));
  }

  private static long writeAccount360(JobContext ctx, Date day, Optional<Dataset<Row>> risk) {
    SparkSession spark = ctx.spark();
    Dataset<Row> snapshot =
        spark
            .read()
            .format("delta")
            .load(ctx.lakehouse().gold(ChurnFeatures.TABLE))
            .filter(col(ChurnFeatures.AS_OF_DATE).equalTo(lit(day)));
    List<Optional<Dataset<Row>>> others = new ArrayList<>();
    others.add(
        gold(ctx, HealthScore.TABLE).map(h -> h.filter(col("as_of_date").equalTo(lit(day)))));
    others.add(risk);
    others.add(gold(ctx, io.cslake.transform.clv.ClvTables.CLV));
    Dataset<Row> table = Account360.build(snapshot, Silver.orEmpty(ctx, Source.ACCOUNTS), others);
    String path = ctx.lakehouse().gold(Account360.TABLE);
    long rows = DeltaWriter.overwrite(table, path, List.of()).rows();
    LOG.info("score: {} rows in gold/{} as of {}", rows, Account360.TABLE, day.toString());
    return rows;
  }

  private static Optional<Dataset<Row>> gold(JobContext ctx, String table) {
    return Silver.delta(ctx, ctx.lakehouse().gold(table));
  }
}
