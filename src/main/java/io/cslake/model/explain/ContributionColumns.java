package io.cslake.model.explain;

import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Adds exact contributions to a {@code Dataset<Row>} of feature vectors, computed on the executors
 * row by row (the model travels as a broadcast; nothing is collected).
 *
 * <p>Two columns are added: {@link #CONTRIBUTIONS}, {@code array<double>} in the model's feature
 * order (null for a null feature vector), and {@link #BASE_VALUE}, {@code double}, the same for
 * every row of one model. For every row, {@code base_value + sum(contributions)} is the model's raw
 * margin ({@code rawPrediction[1]}), up to rounding.
 */
public final class ContributionColumns {
  /** {@code array<double>}: one contribution per feature, in the model's feature order. */
  public static final String CONTRIBUTIONS = "contributions";

  /** {@code double}: the base value the contributions add to. */
  public static final String BASE_VALUE = "base_value";

  private ContributionColumns() {}

  /**
   * TreeSHAP contributions of a tree ensemble for the vectors in {@code featuresColumn} (the
   * ensemble's input).
   */
  public static Dataset<Row> withTreeContributions(
      Dataset<Row> rows, String featuresColumn, Broadcast<TreeEnsemble> ensemble) {
    UDF1<Vector, double[]> explain =
        features ->
            features == null
                ? null
                : TreeShap.explain(ensemble.value(), features.toArray()).unsafeValues();
    return withContributions(rows, featuresColumn, explain, ensemble.value().expectedMargin());
  }

  /**
   * Linear contributions of a logistic regression for the vectors in {@code featuresColumn} (the
   * input of the model's scaler, i.e. before scaling).
   */
  public static Dataset<Row> withLinearContributions(
      Dataset<Row> rows, String featuresColumn, Broadcast<LinearContributions> model) {
    UDF1<Vector, double[]> explain =
        features ->
            features == null ? null : model.value().explain(features.toArray()).unsafeValues();
    return withContributions(rows, featuresColumn, explain, model.value().baseValue());
  }

  private static Dataset<Row> withContributions(
      Dataset<Row> rows, String featuresColumn, UDF1<Vector, double[]> explain, double base) {
    UserDefinedFunction udf =
        functions
            .udf(explain, DataTypes.createArrayType(DataTypes.DoubleType, false))
            .withName("contributions");
    Column features = rows.col(featuresColumn);
    return rows.withColumn(CONTRIBUTIONS, udf.apply(features))
        .withColumn(BASE_VALUE, functions.lit(base));
  }
}
