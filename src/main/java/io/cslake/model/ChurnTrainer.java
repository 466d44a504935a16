package io.cslake.model;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.regression.IsotonicRegression;
import org.apache.spark.ml.regression.IsotonicRegressionModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits the candidates on the training rows, keeps the one with the best PR-AUC on validation,
 * calibrates it with isotonic regression fitted on its validation scores, and refits the chosen
 * pipeline on training and validation rows together; the calibration map, learnt on scores the
 * model had not seen, is applied to the refitted model's scores.
 *
 * <p>Classes are balanced by row weights: each class weighs half of the rows in total.
 */
public final class ChurnTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(ChurnTrainer.class);

  /** Uncalibrated probability of churn. */
  public static final String RAW_SCORE = "_raw_score";

  /** Calibrated probability of churn. */
  public static final String SCORE = "churn_probability";

  private ChurnTrainer() {}

  /** Training settings. */
  public record Settings(
      double regParam, double elasticNet, int trees, int depth, int maxBins, long seed) {}

  /** One candidate's result on validation (uncalibrated scores). */
  public record CandidateResult(String algorithm, Evaluation validation) {}

  /**
   * The outcome.
   *
   * @param model the chosen pipeline refitted on training and validation rows
   * @param calibrator isotonic map from {@link #RAW_SCORE} to {@link #SCORE}
   * @param validation the chosen candidate's calibrated scores on validation, each half of the
   *     validation accounts calibrated by the map fitted on the other half
   */
  public record Result(
      String algorithm,
      PipelineModel model,
      IsotonicRegressionModel calibrator,
      List<CandidateResult> candidates,
      Evaluation validation,
      long trainRows,
      long validationRows) {}

  /**
   * Trains, selects, calibrates and refits.
   *
   * @param train rows with the schema's features and {@code label} (0/1)
   * @param validation the same columns
   */
  public static Result train(
      Dataset<Row> train, Dataset<Row> validation, Candidates.Schema schema, Settings settings) {
    Dataset<Row> weightedTrain = weighted(prepared(train, schema));
    Dataset<Row> preparedValidation = prepared(validation, schema);
    List<Pipeline> pipelines =
        List.of(
            Candidates.logisticRegression(schema, settings.regParam(), settings.elasticNet()),
            Candidates.gradientBoostedTrees(
                schema, settings.trees(), settings.depth(), settings.maxBins(), settings.seed()));
    List<String> names = List.of(Candidates.LOGISTIC_REGRESSION, Candidates.GRADIENT_BOOSTED_TREES);

    List<CandidateResult> results = new ArrayList<>();
    int best = -1;
    PipelineModel bestModel = null;
    Dataset<Row> bestScored = null;
    for (int i = 0; i < pipelines.size(); i++) {
      PipelineModel model = pipelines.get(i).fit(weightedTrain);
      Dataset<Row> scored = rawScore(model, preparedValidation).cache();
      Evaluation evaluation = Evaluation.of(scored, RAW_SCORE, Candidates.LABEL);
      LOG.info(
          "train: {} validation PR-AUC {} ROC-AUC {}",
          names.get(i),
          String.format(java.util.Locale.ROOT, "%.4f", evaluation.prAuc()),
          String.format(java.util.Locale.ROOT, "%.4f", evaluation.rocAuc()));
      results.add(new CandidateResult(names.get(i), evaluation));
      if (best < 0 || evaluation.prAuc() > results.get(best).validation().prAuc()) {
        if (bestScored != null) {
          bestScored.unpersist();
        }
        best = i;
        bestModel = model;
        bestScored = scored;
      } else {
        scored.unpersist();
      }
    }

    IsotonicRegressionModel calibrator = isotonic(bestScored);
    Evaluation calibrated = Evaluation.of(crossCalibrated(bestScored), SCORE, Candidates.LABEL);
    bestScored.unpersist();

    Dataset<Row> all = weighted(prepared(train.unionByName(validation), schema));
    PipelineModel refitted = pipelines.get(best).fit(all);
    long trainRows = train.count();
    long validationRows = validation.count();
    LOG.info("train: chose {}, refitted on {} rows", names.get(best), trainRows + validationRows);
    return new Result(
        names.get(best), refitted, calibrator, results, calibrated, trainRows, validationRows);
  }

  private static IsotonicRegressionModel isotonic(Dataset<Row> scored) {
    return new IsotonicRegression()
        .setFeaturesCol(RAW_SCORE)
        .setLabelCol(Candidates.LABEL)
        .setPredictionCol(SCORE)
        .fit(scored.withColumn(Candidates.LABEL, col(Candidates.LABEL).cast("double")));
  }

  /**
   * Calibrated scores of the validation rows that no calibration map saw: the accounts are split in
   * two halves by a hash of their id, and each half is calibrated by the map fitted on the other. A
   * map evaluated on its own fitting rows would match the observed rate by construction (isotonic
   * regression preserves the mean); this measures how it does on new accounts.
   */
  private static Dataset<Row> crossCalibrated(Dataset<Row> scored) {
    Column fold = pmod(xxhash64(col(TimeSplit.ACCOUNT_ID)), lit(2));
    Dataset<Row> out = null;
    for (int f = 0; f < 2; f++) {
      Dataset<Row> other = scored.filter(fold.notEqual(lit(f)));
      Dataset<Row> mine = scored.filter(fold.equalTo(lit(f)));
      Dataset<Row> calibrated = isotonic(other).transform(mine);
      out = out == null ? calibrated : out.unionByName(calibrated);
    }
    return out;
  }

  /** Calibrated churn probabilities ({@link #SCORE}) for {@code rows}. */
  public static Dataset<Row> score(
      PipelineModel model,
      IsotonicRegressionModel calibrator,
      Dataset<Row> rows,
      Candidates.Schema schema) {
    return calibrator.transform(rawScore(model, prepared(rows, schema)));
  }

  private static Dataset<Row> rawScore(PipelineModel model, Dataset<Row> rows) {
    return model
        .transform(rows)
        .withColumn(RAW_SCORE, vector_to_array(col("probability"), "float64").getItem(1));
  }

  /** Numeric features as doubles, as the pipelines expect them. */
  public static Dataset<Row> prepared(Dataset<Row> rows, Candidates.Schema schema) {
    // One projection: a withColumn per feature would re-analyse the growing plan once per column.
    Map<String, Column> casts = new LinkedHashMap<>();
    for (String c : schema.numeric()) {
      casts.put(c, col(c).cast(DataTypes.DoubleType));
    }
    return rows.withColumns(casts);
  }

  /** Adds {@link Candidates#WEIGHT}: n / (2 n_class) per row, so each class weighs half. */
  static Dataset<Row> weighted(Dataset<Row> rows) {
    Row counts =
        rows.agg(
                count(lit(1)),
                sum(when(col(Candidates.LABEL).equalTo(lit(1)), lit(1L)).otherwise(lit(0L))))
            .first();
    long n = counts.getLong(0);
    long positives = counts.isNullAt(1) ? 0 : counts.getLong(1);
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      throw new IllegalArgumentException(
          "the training rows hold " + positives + " churned and " + negatives + " retained");
    }
    Column weight =
        when(col(Candidates.LABEL).equalTo(lit(1)), lit(n / (2.0 * positives)))
            .otherwise(lit(n / (2.0 * negatives)));
    return rows.withColumn(Candidates.WEIGHT, weight);
  }
}
