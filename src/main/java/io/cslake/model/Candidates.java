package io.cslake.model;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;

/**
 * The two candidate pipelines (SPEC §6.2). Both index the categorical features (an unseen category
 * gets its own index) and impute missing numeric values with the training median; logistic
 * regression then one-hot encodes and standardises, gradient-boosted trees split on the indices
 * directly. Both read the row weight column, so the classes can be balanced.
 */
public final class Candidates {
  /** The assembled feature vector. */
  public static final String FEATURES = "_features";

  /** The per-row weight (class balance). */
  public static final String WEIGHT = "_weight";

  public static final String LABEL = "label";

  /** The algorithm names recorded in {@code model_runs}. */
  public static final String LOGISTIC_REGRESSION = "logistic_regression";

  public static final String GRADIENT_BOOSTED_TREES = "gradient_boosted_trees";

  private Candidates() {}

  /**
   * The feature schema a pipeline is built for.
   *
   * @param numeric numeric feature columns (cast to double before fitting)
   * @param categorical string feature columns
   */
  public record Schema(List<String> numeric, List<String> categorical) {
    List<String> indexed() {
      return categorical.stream().map(c -> "_idx_" + c).toList();
    }

    List<String> encoded() {
      return categorical.stream().map(c -> "_ohe_" + c).toList();
    }

    List<String> imputed() {
      return numeric.stream().map(c -> "_imp_" + c).toList();
    }
  }

  /** Elastic-net logistic regression on standardised, one-hot-encoded features. */
  public static Pipeline logisticRegression(Schema schema, double regParam, double elasticNet) {
    List<PipelineStage> stages = common(schema);
    if (!schema.categorical().isEmpty()) {
      stages.add(
          new OneHotEncoder()
              .setInputCols(schema.indexed().toArray(String[]::new))
              .setOutputCols(schema.encoded().toArray(String[]::new))
              .setHandleInvalid("keep"));
    }
    List<String> inputs = new ArrayList<>(schema.imputed());
    inputs.addAll(schema.encoded());
    stages.add(
        new VectorAssembler()
            .setInputCols(inputs.toArray(String[]::new))
            .setOutputCol(FeatureImportances.RAW_FEATURES));
    stages.add(
        new StandardScaler()
            .setInputCol(FeatureImportances.RAW_FEATURES)
            .setOutputCol(FEATURES)
            .setWithMean(true)
            .setWithStd(true));
    stages.add(
        new LogisticRegression()
            .setFeaturesCol(FEATURES)
            .setLabelCol(LABEL)
            .setWeightCol(WEIGHT)
            .setRegParam(regParam)
            .setElasticNetParam(elasticNet)
            .setStandardization(false)
            .setMaxIter(100));
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  /** Gradient-boosted trees on the imputed numerics and the category indices. */
  public static Pipeline gradientBoostedTrees(
      Schema schema, int trees, int depth, int maxBins, long seed) {
    List<PipelineStage> stages = common(schema);
    List<String> inputs = new ArrayList<>(schema.imputed());
    inputs.addAll(schema.indexed());
    stages.add(
        new VectorAssembler().setInputCols(inputs.toArray(String[]::new)).setOutputCol(FEATURES));
    stages.add(
        new GBTClassifier()
            .setFeaturesCol(FEATURES)
            .setLabelCol(LABEL)
            .setWeightCol(WEIGHT)
            .setMaxIter(trees)
            .setMaxDepth(depth)
            .setMaxBins(maxBins)
            .setStepSize(0.1)
            .setSubsamplingRate(0.8)
            .setSeed(seed));
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  private static List<PipelineStage> common(Schema schema) {
    List<PipelineStage> stages = new ArrayList<>();
    if (!schema.categorical().isEmpty()) {
      stages.add(
          new StringIndexer()
              .setInputCols(schema.categorical().toArray(String[]::new))
              .setOutputCols(schema.indexed().toArray(String[]::new))
              .setHandleInvalid("keep")
              .setStringOrderType("frequencyDesc"));
    }
    if (!schema.numeric().isEmpty()) {
      stages.add(
          new Imputer()
              .setInputCols(schema.numeric().toArray(String[]::new))
              .setOutputCols(schema.imputed().toArray(String[]::new))
              .setStrategy("median"));
    }
    return stages;
  }
}
