package io.cslake.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.types.StructType;

/**
 * How much each original feature matters to a fitted candidate pipeline, as shares summing to 1:
 * for gradient-boosted trees MLlib's impurity-gain importances, for logistic regression the
 * absolute coefficients on the standardised features. Slots of the assembled vector are folded back
 * to the feature they come from (one-hot columns to their attribute).
 */
public final class FeatureImportances {
  /** The assembled, unscaled feature vector of the logistic regression pipeline. */
  static final String RAW_FEATURES = "_raw_features";

  private FeatureImportances() {}

  /** One feature's share. */
  public record Importance(String feature, double importance) {}

  /**
   * The importances, largest first.
   *
   * @param transformed the schema of the pipeline's output (carries the vector's slot names)
   */
  public static List<Importance> of(
      PipelineModel model, Candidates.Schema schema, StructType transformed) {
    double[] weights = null;
    String vectorColumn = null;
    for (Transformer stage : model.stages()) {
      if (stage instanceof GBTClassificationModel gbt) {
        weights = gbt.featureImportances().toArray();
        vectorColumn = Candidates.FEATURES;
      } else if (stage instanceof LogisticRegressionModel lr) {
        Vector coefficients = lr.coefficients();
        weights = new double[coefficients.size()];
        for (int i = 0; i < weights.length; i++) {
          weights[i] = Math.abs(coefficients.apply(i));
        }
        vectorColumn = RAW_FEATURES;
      }
    }
    if (weights == null) {
      throw new IllegalArgumentException("the pipeline has no tree ensemble or linear model");
    }
    List<String> slots = slotFeatures(schema, transformed, vectorColumn, weights.length);
    Map<String, Double> byFeature = new LinkedHashMap<>();
    double total = 0;
    for (int i = 0; i < weights.length; i++) {
      byFeature.merge(slots.get(i), weights[i], Double::sum);
      total += weights[i];
    }
    List<Importance> out = new ArrayList<>();
    for (Map.Entry<String, Double> e : byFeature.entrySet()) {
      out.add(new Importance(e.getKey(), total > 0 ? e.getValue() / total : 0.0));
    }
    out.sort(Comparator.comparingDouble(Importance::importance).reversed());
    return out;
  }

  /** The original feature of each slot of {@code vectorColumn}, from the slots' names. */
  static List<String> slotFeatures(
      Candidates.Schema schema, StructType transformed, String vectorColumn, int size) {
    AttributeGroup group = AttributeGroup.fromStructField(transformed.apply(vectorColumn));
    if (!group.attributes().isDefined() || group.size() != size) {
      throw new IllegalStateException("the feature vector carries no slot names");
    }
    Attribute[] attributes = group.attributes().get();
    List<String> out = new ArrayList<>();
    for (Attribute a : attributes) {
      String name = a.name().get();
      out.add(featureOf(schema, name));
    }
    return out;
  }

  /** {@code _imp_x} → x, {@code _idx_c} → c, {@code _ohe_c_value} → c (the longest c that fits). */
  static String featureOf(Candidates.Schema schema, String slot) {
    String best = null;
    for (String c : schema.numeric()) {
      if (slot.equals("_imp_" + c)) {
        return c;
      }
    }
    for (String c : schema.categorical()) {
      if (slot.equals("_idx_" + c)) {
        return c;
      }
      if (slot.startsWith("_ohe_" + c + "_") && (best == null || c.length() > best.length())) {
        best = c;
      }
    }
    if (best == null) {
      throw new IllegalStateException("cannot tell which feature the slot '" + slot + "' is");
    }
    return best;
  }
}
