package io.cslake.transform.health;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.cslake.config.CslakeConfig.HealthSettings;
import io.cslake.transform.Columns;
import io.cslake.transform.Ranks;
import io.cslake.transform.features.ChurnLabels;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Matrices;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The health score's backtest (SPEC §6.4): how well {@code 100 − health_score} ranks the accounts
 * that churned within the horizon (ROC-AUC, overall and per snapshot date), and component weights
 * fitted to those churn outcomes. Only labelled snapshots count: {@code observable} and a non-null
 * {@code label}. Only aggregates reach the driver: a few numbers per snapshot date.
 */
public final class HealthBacktest {
  public static final String LABEL = ChurnLabels.LABEL;
  public static final String ACCOUNTS = "accounts";
  public static final String CHURNED = "churned";
  public static final String ROC_AUC = "roc_auc";

  private static final String RISK = "_risk";
  private static final String FEATURES = "_features";
  private static final String TARGET = "_target";

  private HealthBacktest() {}

  /**
   * ROC-AUC of a ranking over some rows.
   *
   * @param accounts rows ranked (account-snapshots)
   * @param churned those with label 1
   * @param rocAuc the probability that a random churned row ranks above a random retained one, ties
   *     counting one half; null when either class is empty
   */
  public record Auc(long accounts, long churned, Double rocAuc) {}

  /**
   * The backtest of the configured score.
   *
   * @param overall all labelled rows pooled
   * @param byDate one entry per as_of_date, in date order
   */
  public record Report(Auc overall, Map<LocalDate, Auc> byDate) {
    public Report {
      byDate = Collections.unmodifiableMap(new TreeMap<>(byDate));
    }
  }

  /**
   * Fitted component weights next to the configured ones, both normalised to sum to 1.
   *
   * @param configured the configured weights / their sum, in component order
   * @param fitted the fitted weights, in component order; all 0 when no component ranks churn
   *     (every coefficient at its bound 0); empty when the rows hold one class only
   * @param rows labelled rows fitted
   * @param configuredRocAuc ROC-AUC of the configured score on those rows
   * @param fittedRocAuc ROC-AUC of the score with the fitted weights (same redistribution of
   *     missing components) on the rows where it is defined; null when it is nowhere
   */
  public record WeightFit(
      Map<String, Double> configured,
      Map<String, Double> fitted,
      long rows,
      Double configuredRocAuc,
      Double fittedRocAuc) {
    public WeightFit {
      configured = Collections.unmodifiableMap(new LinkedHashMap<>(configured));
      fitted = Collections.unmodifiableMap(new LinkedHashMap<>(fitted));
    }
  }

  /**
   * The health rows of labelled snapshots with their label: {@code observable}, a non-null label
   * and a non-null health score.
   *
   * @param health {@link HealthScore#compute} rows
   * @param features {@code churn_features} rows (account_id, as_of_date, label, observable)
   * @return the columns of {@code health} and {@code label}
   */
  public static Dataset<Row> labelled(Dataset<Row> health, Dataset<Row> features) {
    Dataset<Row> labels =
        features
            .filter(col(ChurnLabels.OBSERVABLE).and(col(LABEL).isNotNull()))
            .select(col(HealthScore.ACCOUNT_ID), col(HealthScore.AS_OF_DATE), col(LABEL));
    return Columns.join(
        health.filter(col(HealthScore.HEALTH_SCORE).isNotNull()),
        labels,
        "inner",
        HealthScore.ACCOUNT_ID,
        HealthScore.AS_OF_DATE);
  }

  /**
   * ROC-AUC of {@code 100 − health_score} for churn, overall and per as_of_date.
   *
   * @param labelled {@link #labelled} rows
   */
  public static Report evaluate(Dataset<Row> labelled) {
    Column risk = risk();
    Map<LocalDate, Auc> byDate = new TreeMap<>();
    for (Row r : rocAuc(labelled, risk, HealthScore.AS_OF_DATE).collectAsList()) {
      byDate.put(r.getDate(0).toLocalDate(), auc(r, 1));
    }
    return new Report(overall(labelled, risk), byDate);
  }

  /**
   * ROC-AUC of {@code risk} for churn ({@code label} 1) per group, by ranks: Σ over churned rows of
   * (retained rows with a lower risk + ½ × those with the same risk) / (churned × retained). Rows
   * with a null risk are left out.
   *
   * @return the group columns, then accounts, churned and roc_auc (null with one class only)
   */
  static Dataset<Row> rocAuc(Dataset<Row> rows, Column risk, String... groups) {
    List<Column> keys = new ArrayList<>();
    for (String g : groups) {
      keys.add(col(g));
    }
    keys.add(risk.cast(DataTypes.DoubleType).as(RISK));
    Column y = col(LABEL).cast(DataTypes.LongType);
    Dataset<Row> byValue =
        rows.filter(risk.isNotNull())
            .groupBy(keys.toArray(Column[]::new))
            .agg(count(lit(1)).as("_n"), sum(y).as("_pos"));
    // Retained rows with a strictly lower risk, per group: a running sum that needs no window over
    // a whole group (Ranks), since the distinct risks grow with accounts.
    Dataset<Row> below =
        Ranks.sumBefore(
            byValue, List.of(groups), RISK, col("_n").minus(col("_pos")), "_neg", "_neg_below");
    Dataset<Row> ranked =
        Columns.join(byValue, below, "inner", concat(groups, RISK))
            .withColumn(
                "_u", col("_pos").multiply(col("_neg_below").plus(col("_neg").multiply(0.5))));
    Column accounts = sum(col("_n"));
    Column churned = sum(col("_pos"));
    Column[] groupColumns = Arrays.stream(groups).map(c -> col(c)).toArray(Column[]::new);
    Dataset<Row> totals =
        ranked
            .groupBy(groupColumns)
            .agg(accounts.as(ACCOUNTS), churned.as(CHURNED), sum(col("_u")).as("_u"));
    List<Column> out = new ArrayList<>(List.of(groupColumns));
    out.add(col(ACCOUNTS));
    out.add(col(CHURNED));
    Column pairs =
        col(CHURNED).cast(DataTypes.DoubleType).multiply(col(ACCOUNTS).minus(col(CHURNED)));
    out.add(when(pairs.gt(0), col("_u").divide(pairs)).as(ROC_AUC));
    return totals.select(out.toArray(Column[]::new));
  }

  private static String[] concat(String[] first, String last) {
    String[] all = Arrays.copyOf(first, first.length + 1);
    all[first.length] = last;
    return all;
  }

  /** 100 − health_score: higher is riskier. */
  private static Column risk() {
    return lit(HealthScore.MAX).minus(col(HealthScore.HEALTH_SCORE));
  }

  private static Auc overall(Dataset<Row> rows, Column risk) {
    return auc(rocAuc(rows, risk).first(), 0);
  }

  private static Auc auc(Row r, int from) {
    long accounts = r.isNullAt(from) ? 0 : r.getLong(from);
    long churned = r.isNullAt(from + 1) ? 0 : r.getLong(from + 1);
    Double roc = r.isNullAt(from + 2) ? null : r.getDouble(from + 2);
    return new Auc(accounts, churned, roc);
  }

  /**
   * Fits non-negative component weights to churn: a logistic regression of the label on {@code 100
   * − component} for every component with a value somewhere in the rows, coefficients bounded below
   * by 0, unregularised. A missing component is imputed by the row's health score (the weighted
   * mean of its other components, which is what the score's redistribution assumes). The
   * coefficients, normalised to sum to 1, are the fitted weights; a component without any value
   * gets 0. Cache {@code labelled} first: it is read several times.
   *
   * @param labelled {@link #labelled} rows
   * @param settings the configured components and weights
   */
  public static WeightFit fitWeights(Dataset<Row> labelled, HealthSettings settings) {
    List<String> names = HealthSettings.COMPONENTS;
    List<Column> aggs = new ArrayList<>();
    aggs.add(sum(col(LABEL).cast(DataTypes.LongType)));
    for (String name : names) {
      aggs.add(count(col(HealthScore.scoreColumn(name))));
    }
    Row counts = labelled.agg(count(lit(1)), aggs.toArray(Column[]::new)).first();
    long rows = counts.getLong(0);
    long churned = counts.isNullAt(1) ? 0 : counts.getLong(1);
    List<String> present = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if (counts.getLong(i + 2) > 0) {
        present.add(names.get(i));
      }
    }

    Map<String, Double> configured = new LinkedHashMap<>();
    double total = settings.components().values().stream().mapToDouble(c -> c.weight()).sum();
    settings.components().forEach((name, c) -> configured.put(name, c.weight() / total));
    Double configuredAuc = overall(labelled, risk()).rocAuc();
    if (churned == 0 || churned == rows || present.isEmpty()) {
      return new WeightFit(configured, Map.of(), rows, configuredAuc, null);
    }

    double[] coefficients = coefficients(labelled, present);
    double sum = 0;
    for (double c : coefficients) {
      sum += c;
    }
    Map<String, Double> fitted = new LinkedHashMap<>();
    for (String name : names) {
      int i = present.indexOf(name);
      fitted.put(name, i < 0 || !(sum > 0) ? 0.0 : Math.max(coefficients[i], 0.0) / sum);
    }
    Double fittedAuc = null;
    if (sum > 0) {
      Dataset<Row> rescored =
          labelled.withColumn(HealthScore.HEALTH_SCORE, HealthScore.weightedMean(fitted));
      fittedAuc = overall(rescored, risk()).rocAuc();
    }
    return new WeightFit(configured, fitted, rows, configuredAuc, fittedAuc);
  }

  /** The logistic regression's coefficients on {@code 100 − component}, each at least 0. */
  private static double[] coefficients(Dataset<Row> labelled, List<String> components) {
    Map<String, Column> inputs = new LinkedHashMap<>();
    String[] inputNames = new String[components.size()];
    for (int i = 0; i < components.size(); i++) {
      Column c = col(HealthScore.scoreColumn(components.get(i)));
      inputNames[i] = "_x_" + components.get(i);
      inputs.put(
          inputNames[i], lit(HealthScore.MAX).minus(coalesce(c, col(HealthScore.HEALTH_SCORE))));
    }
    inputs.put(TARGET, col(LABEL).cast(DataTypes.DoubleType));
    Dataset<Row> training = labelled.withColumns(inputs);
    LogisticRegression regression =
        new LogisticRegression()
            .setFeaturesCol(FEATURES)
            .setLabelCol(TARGET)
            .setRegParam(0.0)
            .setElasticNetParam(0.0)
            .setMaxIter(200)
            .setLowerBoundsOnCoefficients(Matrices.zeros(1, components.size()));
    Pipeline pipeline =
        new Pipeline()
            .setStages(
                new PipelineStage[] {
                  new VectorAssembler().setInputCols(inputNames).setOutputCol(FEATURES), regression
                });
    PipelineModel model = pipeline.fit(training);
    Vector beta = ((LogisticRegressionModel) model.stages()[1]).coefficients();
    return beta.toArray();
  }
}
