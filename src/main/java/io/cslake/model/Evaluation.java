package io.cslake.model;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * How well a probability column ranks and fits a 0/1 label: ROC-AUC, PR-AUC, Brier score, log loss,
 * lift in the top decile and a reliability table by score decile. Only aggregates reach the driver.
 *
 * @param rows rows scored
 * @param positiveRate share of label 1
 * @param liftTopDecile churn rate among the 10 % highest scores / overall churn rate; null when no
 *     row is positive
 * @param calibration one bin per score decile (ties may merge bins)
 */
public record Evaluation(
    long rows,
    double positiveRate,
    double rocAuc,
    double prAuc,
    double brier,
    double logLoss,
    Double liftTopDecile,
    List<Bin> calibration) {

  /** A reliability bin: rows whose score falls in [low, high). */
  public record Bin(
      int bin, double low, double high, long rows, double meanScore, double observed) {}

  private static final double EPS = 1e-15;

  /**
   * Evaluates {@code score} (a probability of label 1) against {@code label} (0/1).
   *
   * @throws IllegalArgumentException when {@code scored} has no rows
   */
  public static Evaluation of(Dataset<Row> scored, String score, String label) {
    Column p = least(greatest(col(score), lit(EPS)), lit(1 - EPS));
    Column y = col(label).cast(DataTypes.DoubleType);
    Row totals =
        scored
            .agg(
                count(lit(1)),
                avg(y),
                avg(pow(col(score).minus(y), 2)),
                avg(y.multiply(log(p)).plus(lit(1).minus(y).multiply(log(lit(1).minus(p))))))
            .first();
    long rows = totals.getLong(0);
    if (rows == 0) {
      throw new IllegalArgumentException("no rows to evaluate");
    }
    double rate = totals.getDouble(1);
    BinaryClassificationEvaluator evaluator =
        new BinaryClassificationEvaluator().setRawPredictionCol(score).setLabelCol(label);
    Dataset<Row> typed = scored.withColumn(label, y);
    double roc = evaluator.setMetricName("areaUnderROC").evaluate(typed);
    double pr = evaluator.setMetricName("areaUnderPR").evaluate(typed);

    double[] cuts = scored.stat().approxQuantile(score, deciles(), 0.0001);
    double[] splits = splits(cuts);
    Dataset<Row> binned =
        new Bucketizer()
            .setInputCol(score)
            .setOutputCol("_bin")
            .setSplits(splits)
            .transform(scored.withColumn(score, col(score).cast(DataTypes.DoubleType)));
    List<Bin> bins = new ArrayList<>();
    for (Row r :
        binned
            .groupBy("_bin")
            .agg(count(lit(1)), avg(col(score)), avg(y))
            .orderBy("_bin")
            .collectAsList()) {
      int b = (int) r.getDouble(0);
      bins.add(new Bin(b, splits[b], splits[b + 1], r.getLong(1), r.getDouble(2), r.getDouble(3)));
    }
    Double lift = null;
    if (rate > 0) {
      double top = cuts[cuts.length - 1];
      Row topRow =
          scored
              .agg(
                  sum(when(col(score).geq(lit(top)), lit(1)).otherwise(lit(0))),
                  sum(when(col(score).geq(lit(top)), y).otherwise(lit(0.0))))
              .first();
      long topRows = topRow.getLong(0);
      lift = topRows == 0 ? null : (topRow.getDouble(1) / topRows) / rate;
    }
    return new Evaluation(
        rows, rate, roc, pr, totals.getDouble(2), -totals.getDouble(3), lift, bins);
  }

  private static double[] deciles() {
    double[] q = new double[9];
    for (int i = 0; i < 9; i++) {
      q[i] = (i + 1) / 10.0;
    }
    return q;
  }

  /** Strictly increasing bucket splits from -inf through the distinct cut points to +inf. */
  private static double[] splits(double[] cuts) {
    List<Double> s = new ArrayList<>();
    s.add(Double.NEGATIVE_INFINITY);
    for (double c : cuts) {
      if (c > s.get(s.size() - 1)) {
        s.add(c);
      }
    }
    s.add(Double.POSITIVE_INFINITY);
    return s.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
