package io.cslake.job;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.trunc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.cslake.CslakeException;
import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.model.Candidates;
import io.cslake.model.ChurnModel;
import io.cslake.model.ChurnScorer;
import io.cslake.model.ChurnTrainer;
import io.cslake.model.TimeSplit;
import io.cslake.table.Lakehouse;
import io.cslake.transform.Account360;
import io.cslake.transform.Columns;
import io.cslake.transform.experience.CsTeamKpis;
import io.cslake.transform.features.ChurnFeatures;
import io.cslake.transform.features.ChurnLabels;
import io.cslake.transform.features.GeneratedSilver;
import io.cslake.transform.health.HealthBacktest;
import io.cslake.transform.health.HealthScore;
import io.cslake.transform.playbooks.PlaybookAlerts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.regression.IsotonicRegression;
import org.apache.spark.ml.regression.IsotonicRegressionModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code features}, {@code train} then {@code score} on a generated company whose churn causes are
 * planted: the model is compared with the generator's true hazard (the oracle) on the same
 * validation rows, and the scores' drivers with the planted causes.
 */
class ChurnModelJobTest extends SparkTestBase {
  static final LocalDate AS_OF = LocalDate.of(2026, 10, 31);
  static Lakehouse lakehouse;
  static CslakeConfig config;
  static Map<String, Dataset<Row>> truth;
  static FeaturesJob.Report features;
  static TrainJob.Report trained;

  /** A month-end snapshot scored after AS_OF: older, so churn_risk_latest stays at AS_OF. */
  static final LocalDate EARLIER = LocalDate.of(2026, 9, 30);

  static ScoreJob.Report scored;
  static ScoreJob.Report scoredEarlier;

  @BeforeAll
  static void featuresAndTrain() {
    GeneratorParams params =
        new GeneratorParams(
            1200,
            24,
            LocalDate.of(2024, 11, 1),
            3,
            0.03,
            GeneratorParams.Format.PARQUET,
            "unused",
            Set.of());
    Path root = newDir("churn-model");
    lakehouse = new Lakehouse(root.toString());
    GeneratedSilver world = GeneratedSilver.generate(spark, params);
    world.writeSilver(lakehouse);
    truth = world.truth;
    config = configWith(root, "cslake.model.trees=40");
    features = FeaturesJob.run(JobContext.create(spark, config, "features"));
    trained = TrainJob.run(JobContext.create(spark, config, "train"));
    scored = ScoreJob.run(JobContext.create(spark, config, "score"));
    scoredEarlier =
        ScoreJob.run(
            JobContext.create(
                spark,
                TestConfigs.of(
                    root,
                    "cslake.as-of=" + EARLIER,
                    "cslake.sources.accounts.attributes=[contract_type, payment_method,"
                        + " employee_band]"),
                "score"));
  }

  static Dataset<Row> scores() {
    return spark.read().format("delta").load(lakehouse.gold(ChurnScorer.TABLE));
  }

  static Dataset<Row> featureRows(LocalDate day) {
    return spark
        .read()
        .format("delta")
        .load(lakehouse.gold(ChurnFeatures.TABLE))
        .filter(col(ChurnFeatures.AS_OF_DATE).equalTo(lit(Date.valueOf(day))));
  }

  /** The class's configuration (as of AS_OF, 20 months of history) with {@code settings}. */
  private static CslakeConfig configWith(Path root, String... settings) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "cslake.as-of=" + AS_OF,
                "cslake.sources.accounts.attributes=[contract_type, payment_method, employee_band]",
                "cslake.features.history-months=20"));
    all.addAll(List.of(settings));
    return TestConfigs.of(root, all.toArray(String[]::new));
  }

  /**
   * The same bands with the same account counts, and MRR at risk equal up to the order of a
   * floating-point sum (which follows the partitioning, not the data).
   */
  private static void assertSameBands(
      List<ScoreJob.BandCount> actual, List<ScoreJob.BandCount> expected) {
    assertThat(actual)
        .extracting(ScoreJob.BandCount::band, ScoreJob.BandCount::accounts)
        .containsExactlyElementsOf(
            expected.stream().map(b -> tuple(b.band(), b.accounts())).toList());
    for (int i = 0; i < expected.size(); i++) {
      double mrr = expected.get(i).mrrAtRisk();
      assertThat(actual.get(i).mrrAtRisk())
          .as("MRR at risk of band %s", expected.get(i).band())
          .isCloseTo(mrr, within(1e-9 * Math.max(1.0, Math.abs(mrr))));
    }
  }

  @Test
  void scoresEveryAccountOnceAndReScoringReplacesTheDate() {
    long accounts = featureRows(AS_OF).count();
    assertThat(scored.accounts()).isEqualTo(accounts).isGreaterThan(500);
    assertThat(scored.modelVersion()).isEqualTo(trained.version());
    Dataset<Row> before = scores();
    long total = before.count();
    assertThat(total).isEqualTo(accounts + featureRows(EARLIER).count());

    ScoreJob.Report again = ScoreJob.run(JobContext.create(spark, config, "score"), true);
    Dataset<Row> after = scores();
    assertThat(after.count()).isEqualTo(total);
    assertThat(after.select(ChurnScorer.ACCOUNT_ID, ChurnScorer.AS_OF_DATE).distinct().count())
        .isEqualTo(total);
    Dataset<Row> asOf = after.filter(col(ChurnScorer.AS_OF_DATE).equalTo(lit(Date.valueOf(AS_OF))));
    // Every row of the date was rewritten by the second run, with the same probabilities.
    assertThat(asOf.select(ChurnScorer.SCORED_AT).distinct().count()).isEqualTo(1);
    assertSameBands(again.bands(), scored.bands());
    // The earlier date is kept, and the latest table holds only the newest date.
    assertThat(
            after.filter(col(ChurnScorer.AS_OF_DATE).equalTo(lit(Date.valueOf(EARLIER)))).count())
        .isEqualTo(scoredEarlier.accounts());
    Dataset<Row> latest = spark.read().format("delta").load(lakehouse.gold(ScoreJob.LATEST));
    assertThat(latest.count()).isEqualTo(accounts);
    assertThat(latest.select(ChurnScorer.AS_OF_DATE).distinct().first().getDate(0))
        .isEqualTo(Date.valueOf(AS_OF));
    Dataset<Row> account360 = spark.read().format("delta").load(lakehouse.gold(Account360.TABLE));
    assertThat(account360.count()).isEqualTo(accounts);
    assertThat(account360.columns())
        .contains(
            Account360.CSM_ID,
            Account360.MRR_PERCENTILE,
            ChurnScorer.CHURN_PROBABILITY,
            ChurnScorer.TOP_DRIVERS,
            ChurnFeatures.SEGMENT,
            HealthScore.HEALTH_SCORE,
            HealthScore.HEALTH_BAND);

    // Health: every snapshot of churn_features, re-written as a whole (no duplicates).
    Dataset<Row> health = spark.read().format("delta").load(lakehouse.gold(HealthScore.TABLE));
    long featureRows =
        spark.read().format("delta").load(lakehouse.gold(ChurnFeatures.TABLE)).count();
    assertThat(health.count()).isEqualTo(featureRows);
    assertThat(health.filter(col(HealthScore.HEALTH_SCORE).isNull()).count()).isZero();
    // The weights fitted on request, beside the configured ones, each set summing to 1.
    HealthBacktest.WeightFit w = again.healthWeights().orElseThrow();
    assertThat(w.configured().values().stream().mapToDouble(Double::doubleValue).sum())
        .isCloseTo(1.0, within(1e-9));
    assertThat(w.fitted().values()).allMatch(v -> v >= 0);
    assertThat(w.rows()).isEqualTo(scored.healthBacktest().overall().accounts());

    // Playbooks: the same snapshot again opens and closes nothing; one open alert per rule and
    // account.
    assertThat(again.alerts().opened()).isEmpty();
    assertThat(again.alerts().closed()).isZero();
    Dataset<Row> alerts = spark.read().format("delta").load(lakehouse.gold(PlaybookAlerts.TABLE));
    Dataset<Row> open = alerts.filter(col(PlaybookAlerts.STATUS).equalTo(lit(PlaybookAlerts.OPEN)));
    assertThat(open.count())
        .isEqualTo(again.alerts().open())
        .isEqualTo(open.select(PlaybookAlerts.RULE, PlaybookAlerts.ACCOUNT_ID).distinct().count())
        .isGreaterThan(0);
  }

  @Test
  void playbookAlertsCarryTheirTriggeringValues() {
    System.out.printf(
        Locale.ROOT, "playbooks on the newest snapshot: opened %s%n", scored.alerts().opened());
    Dataset<Row> alerts =
        spark
            .read()
            .format("delta")
            .load(lakehouse.gold(PlaybookAlerts.TABLE))
            .filter(col(PlaybookAlerts.RULE).equalTo(lit("nps_detractor")))
            .filter(col(PlaybookAlerts.STATUS).equalTo(lit(PlaybookAlerts.OPEN)));
    assertThat(alerts.count()).isGreaterThan(0);
    for (Row r : alerts.limit(20).collectAsList()) {
      Map<String, String> values = r.getJavaMap(r.fieldIndex(PlaybookAlerts.TRIGGER_VALUES));
      assertThat(Double.parseDouble(values.get("last_nps"))).isLessThanOrEqualTo(6.0);
      assertThat(r.<Date>getAs(PlaybookAlerts.AS_OF_DATE)).isEqualTo(Date.valueOf(AS_OF));
    }
  }

  @Test
  void aPlaybookRuleCallingJavaMethodIsRefusedByName() {
    CslakeConfig hostile =
        TestConfigs.of(
            Path.of(lakehouse.root()),
            "cslake.sources.accounts.attributes=[contract_type, payment_method, employee_band]",
            "cslake.playbooks.rules=[{name = exit_now, when = \"java_method('java.lang.System',"
                + " 'exit', 1) = 1\", severity = high, action = none}]");
    assertThatThrownBy(() -> ScoreJob.run(JobContext.create(spark, hostile, "score")))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("playbook rule 'exit_now'")
        .hasMessageContaining("java_method");
  }

  @Test
  void theHealthScoreRanksChurnersOnPastSnapshots() {
    HealthBacktest.Auc all = scored.healthBacktest().overall();
    System.out.printf(
        Locale.ROOT,
        "health backtest: ROC-AUC of (100 - health) %.3f over %d labelled account-snapshots (%d"
            + " churned) on %d dates%n",
        all.rocAuc(),
        all.accounts(),
        all.churned(),
        scored.healthBacktest().byDate().size());
    assertThat(all.accounts()).isEqualTo(features.labelled());
    assertThat(all.rocAuc()).isGreaterThan(0.55);
    Dataset<Row> table =
        spark.read().format("delta").load(lakehouse.gold(ScoreJob.HEALTH_BACKTEST));
    assertThat(table.count()).isEqualTo(scored.healthBacktest().byDate().size() + 1);
  }

  @Test
  void scoreSetsTheMeanHealthOfEveryCsmsBook() {
    String healthPath = lakehouse.gold(HealthScore.TABLE);
    spark.read().format("delta").load(healthPath).createOrReplaceTempView("health");
    spark
        .read()
        .format("delta")
        .load(lakehouse.silver(Source.ACCOUNTS.id()))
        .createOrReplaceTempView("accounts");
    // Each month's latest snapshot up to AS_OF, over the accounts of each CSM.
    Map<String, Double> expected = new HashMap<>();
    for (Row r :
        spark
            .sql(
                "WITH s AS (SELECT account_id, as_of_date, health_score, trunc(as_of_date, 'MM')"
                    + " AS month FROM health WHERE as_of_date <= DATE'"
                    + AS_OF
                    + "'), last AS (SELECT month, max(as_of_date) AS d FROM s GROUP BY month)"
                    + " SELECT a.csm_id, s.month, avg(s.health_score) FROM s JOIN last ON"
                    + " s.month = last.month AND s.as_of_date = last.d JOIN accounts a ON"
                    + " a.account_id = s.account_id WHERE a.csm_id IS NOT NULL"
                    + " GROUP BY a.csm_id, s.month")
            .collectAsList()) {
      expected.put(r.getString(0) + " " + r.getDate(1), r.getDouble(2));
    }
    assertThat(expected).hasSizeGreaterThan(20);
    // cs_team_kpis as metrics leaves it before this run's health: stale means, and a month
    // without any snapshot whose old value must go.
    List<Row> stale = new ArrayList<>();
    for (String key : expected.keySet()) {
      String[] p = key.split(" ");
      stale.add(RowFactory.create(p[0], Date.valueOf(p[1]), 7L, -1.0));
    }
    stale.add(RowFactory.create("csm-gone", Date.valueOf("2020-01-01"), 3L, 12.0));
    StructType schema =
        new StructType()
            .add(CsTeamKpis.CSM_ID, DataTypes.StringType)
            .add(CsTeamKpis.MONTH, DataTypes.DateType)
            .add(CsTeamKpis.ACCOUNTS, DataTypes.LongType)
            .add(CsTeamKpis.MEAN_HEALTH, DataTypes.DoubleType);
    String teamPath = lakehouse.gold(CsTeamKpis.TABLE);
    spark.createDataFrame(stale, schema).write().format("delta").mode("overwrite").save(teamPath);

    for (int run = 0; run < 2; run++) {
      ScoreJob.refreshTeamHealth(JobContext.create(spark, config, "score"), healthPath, AS_OF);
      List<Row> team = spark.read().format("delta").load(teamPath).collectAsList();
      assertThat(team).hasSize(expected.size() + 1);
      for (Row r : team) {
        String key = r.getString(0) + " " + r.getDate(1);
        assertThat(r.getLong(2)).as("untouched accounts of %s", key).isIn(7L, 3L);
        if (r.getString(0).equals("csm-gone")) {
          assertThat(r.isNullAt(3)).as("mean health of a month without a snapshot").isTrue();
        } else {
          assertThat(r.getDouble(3)).as(key).isCloseTo(expected.get(key), within(1e-9));
        }
      }
    }
  }

  @Test
  void contributionsAddUpToTheMarginOnEveryScoredRow() {
    Dataset<Row> all = scores();
    Column sum =
        expr("aggregate(map_values(" + ChurnScorer.CONTRIBUTIONS + "), 0D, (a, x) -> a + x)");
    Column gap = abs(col(ChurnScorer.BASE_VALUE).plus(sum).minus(col(ChurnScorer.RAW_MARGIN)));
    Row r = all.agg(max(gap), count(lit(1)), min(col(ChurnScorer.CHURN_PROBABILITY))).first();
    System.out.printf(
        Locale.ROOT,
        "score: %d rows (%s), largest |base + sum(contributions) - margin| = %.3g%n",
        r.getLong(1),
        trained.algorithm(),
        r.getDouble(0));
    assertThat(r.getDouble(0)).isLessThan(1e-6);
    assertThat(r.getDouble(2)).isGreaterThan(0.0);
    // MRR at risk is probability x MRR; drivers are the five largest contributions, in order.
    assertThat(
            all.filter(
                    abs(col(ChurnScorer.MRR_AT_RISK)
                            .minus(
                                col(ChurnScorer.MRR).multiply(col(ChurnScorer.CHURN_PROBABILITY))))
                        .gt(1e-9))
                .count())
        .isZero();
    for (Row row : all.limit(200).collectAsList()) {
      Map<String, Double> contributions = row.getJavaMap(row.fieldIndex(ChurnScorer.CONTRIBUTIONS));
      List<Row> drivers = row.getList(row.fieldIndex(ChurnScorer.TOP_DRIVERS));
      List<Double> magnitudes =
          contributions.values().stream()
              .map(Math::abs)
              .filter(v -> v > 0)
              .sorted(java.util.Comparator.reverseOrder())
              .limit(ChurnScorer.TOP)
              .toList();
      assertThat(drivers).hasSize(magnitudes.size());
      for (int i = 0; i < drivers.size(); i++) {
        Row d = drivers.get(i);
        assertThat(Math.abs(d.getDouble(2))).isEqualTo(magnitudes.get(i));
        assertThat(contributions.get(d.getString(0))).isEqualTo(d.getDouble(2));
      }
    }
  }

  @Test
  void driversNameTheChampionWhereTheGeneratorPlantedIt() {
    // Accounts whose hazard after EARLIER was raised because their champion left (the generator's
    // causes of the following month), against all other accounts scored on EARLIER.
    Dataset<Row> planted =
        truth
            .get("account_months")
            .filter(col("month").equalTo(lit(Date.valueOf(EARLIER.plusDays(1)))))
            .select(
                col("account_id"),
                array_contains(col("causes"), "champion_left").as("champion_cause"));
    Dataset<Row> named =
        scores()
            .filter(col(ChurnScorer.AS_OF_DATE).equalTo(lit(Date.valueOf(EARLIER))))
            .select(
                col(ChurnScorer.ACCOUNT_ID),
                expr("exists(top_drivers, d -> d.feature in ('champion_left_90d',"
                        + " 'champion_left_180d'))")
                    .as("named"))
            .join(planted, "account_id");
    List<Row> rates =
        named
            .groupBy("champion_cause")
            .agg(count(lit(1)), avg(col("named").cast("double")))
            .collectAsList();
    double withCause = Double.NaN;
    double without = Double.NaN;
    long nWith = 0;
    for (Row r : rates) {
      if (r.getBoolean(0)) {
        withCause = r.getDouble(2);
        nWith = r.getLong(1);
      } else {
        without = r.getDouble(2);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "drivers: champion_left named in the top %d for %.1f%% of the %d accounts whose champion"
            + " left (planted cause) vs %.1f%% of the others%n",
        ChurnScorer.TOP,
        100 * withCause,
        nWith,
        100 * without);
    assertThat(nWith).isGreaterThanOrEqualTo(10);
    assertThat(withCause).isGreaterThan(0.5).isGreaterThan(3 * without);
  }

  @Test
  void bothModelTypesExplainEveryRowExactly() {
    // A model of each type, fitted here on the labelled rows of two snapshots, scoring a third.
    Dataset<Row> table = spark.read().format("delta").load(lakehouse.gold(ChurnFeatures.TABLE));
    Dataset<Row> labelled =
        table
            .filter(col(ChurnLabels.OBSERVABLE))
            .filter(
                col(ChurnFeatures.AS_OF_DATE)
                    .isin(
                        Date.valueOf(LocalDate.of(2026, 5, 31)),
                        Date.valueOf(LocalDate.of(2026, 6, 30))))
            .withColumn(Candidates.LABEL, col(ChurnLabels.LABEL).cast("double"))
            .withColumn(Candidates.WEIGHT, lit(1.0));
    Candidates.Schema schema = trained.schema();
    Dataset<Row> prepared = ChurnTrainer.prepared(labelled, schema).cache();
    List<org.apache.spark.ml.Pipeline> pipelines =
        List.of(
            Candidates.logisticRegression(schema, 0.01, 0.5),
            Candidates.gradientBoostedTrees(schema, 15, 3, 16, 7));
    for (org.apache.spark.ml.Pipeline pipeline : pipelines) {
      PipelineModel fitted = pipeline.fit(prepared);
      Dataset<Row> raw =
          fitted
              .transform(prepared)
              .withColumn(
                  ChurnTrainer.RAW_SCORE,
                  org.apache
                      .spark
                      .ml
                      .functions
                      .vector_to_array(col("probability"), "float64")
                      .getItem(1));
      IsotonicRegressionModel calibrator =
          new IsotonicRegression()
              .setFeaturesCol(ChurnTrainer.RAW_SCORE)
              .setLabelCol(Candidates.LABEL)
              .setPredictionCol(ChurnTrainer.SCORE)
              .fit(raw);
      ChurnModel model = new ChurnModel("test", "test", "unused", fitted, calibrator, schema);
      Dataset<Row> out =
          ChurnScorer.score(
              model, featureRows(AS_OF), new ChurnScorer.Bands(0.3, 0.1), new Timestamp(0L));
      Column sum =
          expr("aggregate(map_values(" + ChurnScorer.CONTRIBUTIONS + "), 0D, (a, x) -> a + x)");
      Row r =
          out.agg(
                  max(
                      abs(
                          col(ChurnScorer.BASE_VALUE)
                              .plus(sum)
                              .minus(col(ChurnScorer.RAW_MARGIN)))),
                  count(lit(1)),
                  min(size(col(ChurnScorer.CONTRIBUTIONS))))
              .first();
      assertThat(r.getLong(1)).isEqualTo(featureRows(AS_OF).count());
      assertThat(r.getDouble(0))
          .as("additivity of %s", fitted.stages()[fitted.stages().length - 1])
          .isLessThan(1e-6);
      // One contribution per original feature: one-hot slots folded back to their attribute.
      assertThat(r.getInt(2)).isEqualTo(schema.numeric().size() + schema.categorical().size());
    }
    prepared.unpersist();
  }

  @Test
  void trainKnowsWhenTheNewestModelWasTrainedOnTheSameFeaturesAndSettings() {
    // The class trains once: same features, same settings -> already trained, that version.
    assertThat(TrainJob.alreadyTrained(JobContext.create(spark, config, "train")))
        .contains(trained.version());
    // Another model setting is new input.
    CslakeConfig deeper = configWith(Path.of(lakehouse.root()), "cslake.model.trees=41");
    assertThat(TrainJob.alreadyTrained(JobContext.create(spark, deeper, "train"))).isEmpty();
    // The risk bands only label scores: other bands are not new input.
    CslakeConfig rebanded =
        configWith(
            Path.of(lakehouse.root()),
            "cslake.model.trees=40",
            "cslake.model.risk-bands.high=0.8",
            "cslake.model.risk-bands.medium=0.2");
    assertThat(TrainJob.alreadyTrained(JobContext.create(spark, rebanded, "train")))
        .contains(trained.version());
  }

  @Test
  void refusesAModelWhoseFeaturesNoLongerMatch() {
    Path other = newDir("score-mismatch");
    Lakehouse copy = new Lakehouse(other.toString());
    io.cslake.table.DeltaWriter.overwrite(
        spark.read().format("delta").load(lakehouse.gold(TrainJob.MODEL_RUNS)),
        copy.gold(TrainJob.MODEL_RUNS),
        List.of());
    io.cslake.table.DeltaWriter.overwrite(
        featureRows(AS_OF)
            .drop(ChurnFeatures.ATTRIBUTE_PREFIX + "contract_type")
            .withColumn("mrr", lit("n/a")),
        copy.gold(ChurnFeatures.TABLE),
        List.of());
    assertThatThrownBy(() -> ScoreJob.run(JobContext.create(spark, TestConfigs.of(other), "score")))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("feature schema does not match")
        .hasMessageContaining("'attr_contract_type' is missing")
        .hasMessageContaining("'mrr' was numeric and is now string")
        .hasMessageContaining("cslake train");
  }

  @Test
  void featuresCoverEverySnapshotInOnePass() {
    assertThat(features.snapshots()).hasSize(21).endsWith(AS_OF);
    assertThat(features.skipped()).isEmpty();
    Dataset<Row> table = spark.read().format("delta").load(lakehouse.gold(ChurnFeatures.TABLE));
    assertThat(table.select(ChurnFeatures.AS_OF_DATE).distinct().count()).isEqualTo(21);
    assertThat(table.count()).isEqualTo(features.rows());
    // One row per account and snapshot, and only labels whose horizon closed by the as-of date.
    assertThat(table.select(ChurnFeatures.ACCOUNT_ID, ChurnFeatures.AS_OF_DATE).distinct().count())
        .isEqualTo(features.rows());
    assertThat(
            table
                .filter(col(ChurnLabels.OBSERVABLE))
                .filter(date_add(col(ChurnFeatures.AS_OF_DATE), 120).gt(lit(Date.valueOf(AS_OF))))
                .count())
        .isZero();
    assertThat(table.columns()).contains(ChurnFeatures.ATTRIBUTE_PREFIX + "contract_type");
  }

  @Test
  void trainsByTimeAndRecoversMostOfTheOraclesLift() {
    assertThat(trained.split()).isEqualTo(TimeSplit.Method.TIME);
    // The latest snapshot whose 90 + 30 days are observed: the end of June 2026.
    assertThat(trained.validationDate()).isEqualTo(LocalDate.of(2026, 6, 30));
    assertThat(trained.trainDates())
        .allMatch(d -> !d.plusDays(120).isAfter(trained.validationDate()));
    assertThat(trained.candidates())
        .extracting(ChurnTrainer.CandidateResult::algorithm)
        .containsExactlyInAnyOrder(
            Candidates.LOGISTIC_REGRESSION, Candidates.GRADIENT_BOOSTED_TREES);

    // The oracle: the true hazard the generator set at the end of the snapshot's month.
    Dataset<Row> validation =
        spark
            .read()
            .format("delta")
            .load(lakehouse.gold(ChurnFeatures.TABLE))
            .filter(col(ChurnLabels.OBSERVABLE))
            .filter(
                col(ChurnFeatures.AS_OF_DATE).equalTo(lit(Date.valueOf(trained.validationDate()))))
            .select(ChurnFeatures.ACCOUNT_ID, ChurnFeatures.AS_OF_DATE, ChurnLabels.LABEL)
            .withColumn("month", add_months(trunc(col(ChurnFeatures.AS_OF_DATE), "month"), 1));
    Dataset<Row> scored =
        Columns.join(
            validation,
            truth.get("account_months").select("account_id", "month", "hazard"),
            "left",
            ChurnFeatures.ACCOUNT_ID,
            "month");
    assertThat(scored.filter(col("hazard").isNull()).count()).isZero();
    double oracleAuc =
        new BinaryClassificationEvaluator()
            .setRawPredictionCol("hazard")
            .setLabelCol(ChurnLabels.LABEL)
            .setMetricName("areaUnderROC")
            .evaluate(scored.withColumn(ChurnLabels.LABEL, col(ChurnLabels.LABEL).cast("double")));
    ChurnTrainer.CandidateResult chosen = trained.chosen();
    double modelAuc = chosen.validation().rocAuc();
    double recovered = (modelAuc - 0.5) / (oracleAuc - 0.5);
    System.out.printf(
        Locale.ROOT,
        "churn model on generated data: %s, validation rows %d (positive rate %.3f), ROC-AUC %.4f"
            + " (calibrated %.4f), PR-AUC %.4f; oracle ROC-AUC %.4f; recovered %.2f of the"
            + " oracle's lift%n",
        trained.algorithm(),
        trained.validationRows(),
        trained.validation().positiveRate(),
        modelAuc,
        trained.validation().rocAuc(),
        chosen.validation().prAuc(),
        oracleAuc,
        recovered);
    assertThat(oracleAuc).isGreaterThan(0.6);
    assertThat(recovered).as("share of the oracle's lift over random").isGreaterThanOrEqualTo(0.8);
  }

  @Test
  void calibratedProbabilitiesMatchTheObservedRate() {
    double observed = trained.validation().positiveRate();
    double predicted =
        trained.validation().calibration().stream().mapToDouble(b -> b.meanScore() * b.rows()).sum()
            / trained.validation().rows();
    assertThat(predicted).isCloseTo(observed, within(0.1 * observed));
    assertThat(trained.validation().calibration()).hasSizeGreaterThan(3);
  }

  @Test
  void registersTheRunAndSavesTheModel() throws Exception {
    Row run =
        spark
            .read()
            .format("delta")
            .load(lakehouse.gold(TrainJob.MODEL_RUNS))
            .filter(col("model_version").equalTo(lit(trained.version())))
            .first();
    assertThat(run.<String>getAs("split_method")).isEqualTo("time");
    assertThat(run.<String>getAs("algorithm")).isEqualTo(trained.algorithm());
    assertThat(run.getList(run.fieldIndex("calibration"))).isNotEmpty();
    assertThat(run.getList(run.fieldIndex("feature_importances"))).isNotEmpty();
    assertThat(run.getList(run.fieldIndex("feature_schema")))
        .hasSize(trained.schema().numeric().size() + trained.schema().categorical().size());
    assertThat(run.<Double>getAs("pr_auc")).isEqualTo(trained.chosen().validation().prAuc());
    assertThat(run.<Double>getAs("brier")).isEqualTo(trained.validation().brier());
    assertThat(trained.importances().stream().mapToDouble(i -> i.importance()).sum())
        .isCloseTo(1.0, within(1e-9));

    PipelineModel loaded = PipelineModel.load(trained.modelPath() + "/pipeline");
    assertThat(loaded.stages()).isNotEmpty();
    assertThat(Files.readString(Path.of(trained.modelPath(), "feature_schema.json")))
        .contains("\"" + "mrr" + "\"");
  }
}
