package io.cslake.model;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.regression.IsotonicRegressionModel;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A registered churn model as {@code score} uses it: the fitted pipeline, its isotonic calibration
 * map and the feature schema it was trained on.
 *
 * @param version e.g. {@code churn-20261123T120501Z-3fa2}
 * @param algorithm {@link Candidates#LOGISTIC_REGRESSION} or {@link
 *     Candidates#GRADIENT_BOOSTED_TREES}
 * @param path the folder holding {@code pipeline/} and {@code calibrator/}
 */
public record ChurnModel(
    String version,
    String algorithm,
    String path,
    PipelineModel pipeline,
    IsotonicRegressionModel calibrator,
    Candidates.Schema schema) {

  /** Loads the artifacts saved by {@code train} under {@code path}. */
  public static ChurnModel load(
      String version, String algorithm, String path, Candidates.Schema schema) {
    return new ChurnModel(
        version,
        algorithm,
        path,
        PipelineModel.load(path + "/pipeline"),
        IsotonicRegressionModel.load(path + "/calibrator"),
        schema);
  }

  /**
   * What keeps this model from scoring rows of {@code features}: each feature it was trained on
   * that is missing, or whose type changed kind (numeric vs categorical), in words. Empty when the
   * rows fit. Extra columns are fine: the model ignores them.
   */
  public List<String> mismatches(StructType features) {
    List<String> out = new ArrayList<>();
    for (String name : schema.numeric()) {
      check(features, name, true, out);
    }
    for (String name : schema.categorical()) {
      check(features, name, false, out);
    }
    return out;
  }

  private static void check(StructType features, String name, boolean numeric, List<String> out) {
    StructField field =
        features.getFieldIndex(name).isDefined() ? features.apply(name) : (StructField) null;
    if (field == null) {
      out.add("'" + name + "' is missing");
      return;
    }
    DataType type = field.dataType();
    boolean isNumeric = type instanceof NumericType || type instanceof BooleanType;
    if (numeric && !isNumeric) {
      out.add("'" + name + "' was numeric and is now " + type.simpleString());
    } else if (!numeric && !(type instanceof StringType)) {
      out.add("'" + name + "' was categorical (string) and is now " + type.simpleString());
    }
  }
}
