package io.cslake.table;

import io.cslake.contract.Source;
import io.cslake.model.ChurnScorer;
import io.cslake.transform.Account360;
import io.cslake.transform.clv.ClvTables;
import io.cslake.transform.engagement.AccountEngagement;
import io.cslake.transform.engagement.AccountUsageDaily;
import io.cslake.transform.engagement.FeatureAdoptionMonthly;
import io.cslake.transform.engagement.UserActivityDaily;
import io.cslake.transform.experience.AccountExperience;
import io.cslake.transform.experience.CsTeamKpis;
import io.cslake.transform.experience.FeedbackThemes;
import io.cslake.transform.features.ChurnFeatures;
import io.cslake.transform.health.HealthScore;
import io.cslake.transform.playbooks.PlaybookAlerts;
import io.cslake.transform.revenue.AccountMonthMrr;
import io.cslake.transform.revenue.ChurnReasonsMonthly;
import io.cslake.transform.revenue.CohortRetention;
import io.cslake.transform.revenue.KpiMonthly;
import io.cslake.transform.revenue.MrrMovements;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every Delta table cslake writes, declared once (issue 24, item 1): its name relative to the
 * lakehouse root, layer, partition columns, what one run replaces, the commands that write it and
 * the tables it is computed from. Data only: nothing here reads or writes a table.
 *
 * <p>The facts are those of the jobs' write calls today ({@code io.cslake.job}); {@code
 * TableGraphTest} checks them against a lakehouse written by a real run, and keeps the generated
 * {@code docs/tables.json} (read by the dashboard and the notebooks) and the graph in {@code
 * docs/ARCHITECTURE.md} equal to this declaration.
 *
 * <p>Reads are the tables a table's rows are computed from. The as-of date that {@code metrics},
 * {@code features} and {@code clv} take by default (the last day with data in silver: the
 * subscriptions, transactions, churn events, invoices and usage rollup) is not counted as a read.
 */
public final class TableGraph {

  /** The command that writes a table, in the order {@code run} chains them. */
  public enum Stage {
    INGEST,
    METRICS,
    FEATURES,
    TRAIN,
    SCORE,
    CLV;

    /** The command's name on the command line, e.g. {@code metrics}. */
    public String command() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Where a table sits in the lakehouse layout (SPEC §8, docs/tables.md). */
  public enum Layer {
    SILVER,
    GOLD,
    /** {@code _quarantine} and {@code _runs}: how the runs went. */
    OPERATIONAL,
    /** {@code _state}: internal state of incremental jobs; not a contract table. */
    INTERNAL
  }

  /** What one run of the writer replaces (the unit a run recomputes today). */
  public enum Unit {
    /** The whole table. */
    WHOLE,
    /**
     * The usage event dates from the watermark minus {@code cslake.ingest.usage-lookback-days} on
     * (the whole table on a full read).
     */
    DAY,
    /** The run's as-of date. */
    AS_OF_DATE,
    /** The snapshot dates the run computes or scores. */
    SNAPSHOT_DATE,
    /** The rows of each source ingested (for usage events, of the dates re-read). */
    SOURCE,
    /** The rows whose key the run produces, merged on the key; other rows are kept. */
    KEY,
    /** Rows added by each run; none replaced. */
    RUN
  }

  /** How the writer writes it. */
  public enum Write {
    /** One Delta overwrite of the whole table. */
    OVERWRITE,
    /** A predicate-scoped overwrite ({@code replaceWhere}) of the unit's rows. */
    REPLACE,
    /** A Delta MERGE. */
    MERGE,
    /** A Delta append. */
    APPEND
  }

  /**
   * One table a table is computed from.
   *
   * @param table the name of the table read, as {@link Table#name()}
   * @param required whether the writer needs it: without it the table is not written (the command
   *     stops, or skips the table, saying which command makes the missing one)
   */
  public record Read(String table, boolean required) {}

  /**
   * One Delta table.
   *
   * @param name the path relative to the lakehouse root, e.g. {@code gold/kpi_monthly}
   * @param partitionBy the Delta partition columns, in order
   * @param writers the commands that write it: the first creates and replaces it, any other updates
   *     it (e.g. {@code score} sets {@code cs_team_kpis.mean_health})
   * @param writtenWhen {@link #EVERY_RUN}, or what a run needs to write it (a source configured, a
   *     model registered)
   * @param reads the tables it is computed from, itself excluded
   */
  public record Table(
      String name,
      Layer layer,
      List<String> partitionBy,
      Unit unit,
      Write write,
      List<Stage> writers,
      String writtenWhen,
      List<Read> reads) {
    public Table {
      partitionBy = List.copyOf(partitionBy);
      writers = List.copyOf(writers);
      reads = List.copyOf(reads);
    }

    /** The command that creates and replaces the table. */
    public Stage writer() {
      return writers.get(0);
    }

    /** Whether every successful run of its writer writes it. */
    public boolean isWrittenEveryRun() {
      return EVERY_RUN.equals(writtenWhen);
    }
  }

  /** {@link Table#writtenWhen()} of a table every successful run of its writer writes. */
  public static final String EVERY_RUN = "every run";

  /** {@code gold/model_runs}: the model registry ({@code TrainJob.MODEL_RUNS}). */
  public static final String MODEL_RUNS = "model_runs";

  /** {@code gold/churn_risk_latest} ({@code ScoreJob.LATEST}). */
  public static final String CHURN_RISK_LATEST = "churn_risk_latest";

  /** {@code gold/health_backtest} ({@code ScoreJob.HEALTH_BACKTEST}). */
  public static final String HEALTH_BACKTEST = "health_backtest";

  private static final String WITH_SUBSCRIPTIONS = "subscriptions configured";
  private static final String WITH_USAGE = "usage_events configured";
  private static final String WITH_MODEL = "a registered churn model fits the features";

  private static final List<Table> TABLES = declare();

  private TableGraph() {}

  /** Every table, in the order {@code run} first writes them. */
  public static List<Table> tables() {
    return TABLES;
  }

  /** The table named {@code name} (e.g. {@code gold/kpi_monthly}), if declared. */
  public static Optional<Table> table(String name) {
    return TABLES.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** {@code silver/<table>}. */
  public static String silver(String table) {
    return "silver/" + table;
  }

  /** {@code gold/<table>}. */
  public static String gold(String table) {
    return "gold/" + table;
  }

  private static List<Table> declare() {
    List<Table> t = new ArrayList<>();
    String accounts = silver(Source.ACCOUNTS.id());

    // ingest: one silver table per source, the quarantine, the watermark, the usage rollups.
    for (Source source : Source.values()) {
      boolean usage = source == Source.USAGE_EVENTS;
      t.add(
          new Table(
              silver(source.id()),
              Layer.SILVER,
              usage ? List.of(UserActivityDaily.EVENT_DATE) : List.of(),
              usage ? Unit.DAY : Unit.WHOLE,
              usage ? Write.REPLACE : Write.OVERWRITE,
              List.of(Stage.INGEST),
              source.isRequired() ? EVERY_RUN : source.id() + " configured",
              source.referencesAccounts() ? List.of(required(accounts)) : List.of()));
    }
    t.add(
        new Table(
            QuarantineTable.TABLE,
            Layer.OPERATIONAL,
            List.of(QuarantineTable.SOURCE),
            Unit.SOURCE,
            Write.MERGE,
            List.of(Stage.INGEST),
            EVERY_RUN,
            List.of(optional(accounts))));
    t.add(
        new Table(
            RunsTable.TABLE,
            Layer.OPERATIONAL,
            List.of(),
            Unit.RUN,
            Write.APPEND,
            List.of(Stage.values()),
            EVERY_RUN,
            List.of()));
    t.add(
        new Table(
            WatermarkTable.TABLE,
            Layer.INTERNAL,
            List.of(),
            Unit.SOURCE,
            Write.REPLACE,
            List.of(Stage.INGEST),
            WITH_USAGE,
            List.of()));
    String usageEvents = silver(Source.USAGE_EVENTS.id());
    String userDays = silver(UserActivityDaily.TABLE);
    String accountDays = silver(AccountUsageDaily.TABLE);
    t.add(
        new Table(
            userDays,
            Layer.SILVER,
            List.of(UserActivityDaily.EVENT_DATE),
            Unit.DAY,
            Write.REPLACE,
            List.of(Stage.INGEST),
            WITH_USAGE,
            List.of(required(usageEvents))));
    t.add(
        new Table(
            accountDays,
            Layer.SILVER,
            List.of(),
            Unit.DAY,
            Write.REPLACE,
            List.of(Stage.INGEST),
            WITH_USAGE,
            List.of(required(userDays))));

    // metrics
    String subscriptions = silver(Source.SUBSCRIPTIONS.id());
    String transactions = silver(Source.TRANSACTIONS.id());
    String accountMonths = silver(AccountMonthMrr.TABLE);
    String movements = gold(MrrMovements.TABLE);
    String health = gold(HealthScore.TABLE);
    List<Read> experience =
        List.of(
            optional(silver(Source.SURVEYS.id())),
            optional(silver(Source.SUPPORT_TICKETS.id())),
            optional(silver(Source.MILESTONES.id())),
            optional(silver(Source.REFERRALS.id())),
            optional(silver(Source.CSM_ACTIVITIES.id())));
    t.add(
        metrics(
            accountMonths,
            Layer.SILVER,
            WITH_SUBSCRIPTIONS,
            required(subscriptions),
            optional(silver(Source.FX_RATES.id()))));
    t.add(
        metrics(gold(MrrMovements.TABLE), Layer.GOLD, WITH_SUBSCRIPTIONS, required(accountMonths)));
    List<Read> kpi =
        new ArrayList<>(
            List.of(
                required(movements),
                required(accountMonths),
                required(accounts),
                required(subscriptions),
                optional(userDays)));
    kpi.addAll(experience);
    t.add(
        metrics(gold(KpiMonthly.TABLE), Layer.GOLD, WITH_SUBSCRIPTIONS, kpi.toArray(Read[]::new)));
    t.add(
        new Table(
            gold(CsTeamKpis.TABLE),
            Layer.GOLD,
            List.of(),
            Unit.WHOLE,
            Write.OVERWRITE,
            List.of(Stage.METRICS, Stage.SCORE),
            WITH_SUBSCRIPTIONS,
            List.of(
                required(movements),
                required(accounts),
                optional(silver(Source.SUPPORT_TICKETS.id())),
                optional(silver(Source.CSM_ACTIVITIES.id())),
                optional(health))));
    t.add(
        metrics(
            gold(ChurnReasonsMonthly.TABLE),
            Layer.GOLD,
            WITH_SUBSCRIPTIONS,
            required(movements),
            required(accounts),
            optional(silver(Source.CHURN_EVENTS.id()))));
    t.add(
        metrics(
            gold(CohortRetention.TABLE),
            Layer.GOLD,
            EVERY_RUN,
            required(accounts),
            optional(accountMonths),
            optional(transactions)));
    t.add(
        new Table(
            gold(AccountEngagement.TABLE),
            Layer.GOLD,
            List.of(AccountEngagement.AS_OF_DATE),
            Unit.AS_OF_DATE,
            Write.REPLACE,
            List.of(Stage.METRICS),
            WITH_USAGE,
            List.of(
                required(accounts),
                required(userDays),
                required(accountDays),
                optional(subscriptions),
                optional(silver(Source.MILESTONES.id())))));
    t.add(
        metrics(
            gold(FeatureAdoptionMonthly.TABLE),
            Layer.GOLD,
            WITH_USAGE,
            required(userDays),
            required(accounts)));
    List<Read> accountExperience =
        new ArrayList<>(
            List.of(required(accounts), optional(subscriptions), optional(accountMonths)));
    accountExperience.addAll(experience);
    t.add(
        new Table(
            gold(AccountExperience.TABLE),
            Layer.GOLD,
            List.of(AccountExperience.AS_OF_DATE),
            Unit.AS_OF_DATE,
            Write.REPLACE,
            List.of(Stage.METRICS),
            EVERY_RUN,
            accountExperience));
    t.add(
        metrics(
            gold(FeedbackThemes.TABLE),
            Layer.GOLD,
            "surveys configured",
            required(silver(Source.SURVEYS.id()))));

    // features
    String features = gold(ChurnFeatures.TABLE);
    List<Read> featureReads =
        new ArrayList<>(
            List.of(
                required(accounts),
                required(subscriptions),
                optional(silver(Source.FX_RATES.id())),
                optional(silver(Source.INVOICES.id())),
                optional(silver(Source.CHURN_EVENTS.id())),
                optional(silver(Source.CONTACTS.id())),
                optional(userDays),
                optional(accountDays)));
    featureReads.addAll(experience);
    t.add(
        new Table(
            features,
            Layer.GOLD,
            List.of(ChurnFeatures.AS_OF_DATE),
            Unit.SNAPSHOT_DATE,
            Write.REPLACE,
            List.of(Stage.FEATURES),
            WITH_SUBSCRIPTIONS,
            featureReads));

    // train
    String modelRuns = gold(MODEL_RUNS);
    t.add(
        new Table(
            modelRuns,
            Layer.GOLD,
            List.of(),
            Unit.RUN,
            Write.APPEND,
            List.of(Stage.TRAIN),
            "enough labelled snapshots to train",
            List.of(required(features))));

    // score
    String scores = gold(ChurnScorer.TABLE);
    String latest = gold(CHURN_RISK_LATEST);
    String account360 = gold(Account360.TABLE);
    t.add(
        new Table(
            scores,
            Layer.GOLD,
            List.of(ChurnScorer.AS_OF_DATE),
            Unit.SNAPSHOT_DATE,
            Write.MERGE,
            List.of(Stage.SCORE),
            WITH_MODEL,
            List.of(required(features), required(modelRuns))));
    t.add(score(latest, List.of(), WITH_MODEL, required(scores)));
    t.add(score(health, List.of(HealthScore.AS_OF_DATE), WITH_SUBSCRIPTIONS, required(features)));
    t.add(
        score(
            gold(HEALTH_BACKTEST),
            List.of(),
            WITH_SUBSCRIPTIONS,
            required(health),
            required(features)));
    // Rebuilt again by run after clv (RunCommand), so that it holds the newest CLV.
    t.add(
        score(
            account360,
            List.of(),
            WITH_SUBSCRIPTIONS,
            required(features),
            optional(accounts),
            optional(health),
            optional(latest),
            optional(gold(ClvTables.CLV))));
    t.add(
        new Table(
            gold(PlaybookAlerts.TABLE),
            Layer.GOLD,
            List.of(),
            Unit.KEY,
            Write.MERGE,
            List.of(Stage.SCORE),
            WITH_SUBSCRIPTIONS,
            List.of(required(account360))));

    // clv
    t.add(
        clv(
            gold(ClvTables.CLV),
            EVERY_RUN,
            required(accounts),
            optional(accountMonths),
            optional(transactions),
            optional(scores)));
    t.add(
        clv(
            gold(ClvTables.COHORTS),
            WITH_SUBSCRIPTIONS,
            required(accountMonths),
            required(accounts)));
    t.add(
        clv(
            gold(ClvTables.MODEL_PARAMS),
            EVERY_RUN,
            required(accounts),
            optional(accountMonths),
            optional(transactions)));
    return List.copyOf(t);
  }

  private static Table metrics(String name, Layer layer, String when, Read... reads) {
    return new Table(
        name,
        layer,
        List.of(),
        Unit.WHOLE,
        Write.OVERWRITE,
        List.of(Stage.METRICS),
        when,
        List.of(reads));
  }

  private static Table score(String name, List<String> partitionBy, String when, Read... reads) {
    return new Table(
        name,
        Layer.GOLD,
        partitionBy,
        Unit.WHOLE,
        Write.OVERWRITE,
        List.of(Stage.SCORE),
        when,
        List.of(reads));
  }

  private static Table clv(String name, String when, Read... reads) {
    return new Table(
        name,
        Layer.GOLD,
        List.of(),
        Unit.WHOLE,
        Write.OVERWRITE,
        List.of(Stage.CLV),
        when,
        List.of(reads));
  }

  private static Read required(String table) {
    return new Read(table, true);
  }

  private static Read optional(String table) {
    return new Read(table, false);
  }
}
