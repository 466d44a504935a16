package io.cslake.model.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cslake.SparkTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Contributions of a scaled, elastic-net logistic regression fitted by MLlib: base + Σ
 * contributions is MLlib's {@code rawPrediction[1]} on every row, with and without centring in the
 * scaler.
 */
class LinearContributionsTest extends SparkTestBase {
  private static final int ROWS = 300;
  private static final int FEATURES = 5;
  private static final int CONSTANT = 4;
  private static final double ADDITIVE = 1e-6;

  private static Dataset<Row> rows;

  @BeforeAll
  static void data() {
    Random random = new Random(17);
    List<Row> list = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      double[] x = {
        random.nextGaussian() * 3 + 10, random.nextDouble() * 100, random.nextGaussian(), 0, 7.5
      };
      x[3] = random.nextInt(2);
      double logit = 0.4 * (x[0] - 10) - 0.02 * (x[1] - 50) + 0.8 * x[2] - x[3];
      double label = random.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1.0 : 0.0;
      list.add(RowFactory.create(label, Vectors.dense(x)));
    }
    StructType schema =
        new StructType()
            .add("label", DataTypes.DoubleType)
            .add("features", SQLDataTypes.VectorType());
    rows = spark.createDataFrame(list, schema).cache();
  }

  @Test
  void centredScalerContributionsAreCoefficientTimesScaledValueAndAddUp() {
    PipelineModel pipeline = fit(true);
    LinearContributions linear = linear(pipeline);

    double worst = assertAdditive(pipeline, linear);
    LogisticRegressionModel model = (LogisticRegressionModel) pipeline.stages()[1];
    assertThat(linear.baseValue()).isEqualTo(model.intercept());
    for (Row row : pipeline.transform(rows).limit(20).collectAsList()) {
      double[] scaled = row.<Vector>getAs("scaled").toArray();
      Contributions contributions = linear.explain(row.<Vector>getAs("features").toArray());
      for (int j = 0; j < FEATURES; j++) {
        assertThat(contributions.value(j))
            .isCloseTo(model.coefficients().apply(j) * scaled[j], within(1e-12));
      }
    }
    System.out.printf(
        "LinearContributionsTest: withMean, max |base + Σ contributions − rawPrediction[1]| ="
            + " %.3g%n",
        worst);
  }

  @Test
  void uncentredScalerMovesTheMeanIntoTheBaseAndAddsUp() {
    PipelineModel pipeline = fit(false);
    LinearContributions linear = linear(pipeline);
    LogisticRegressionModel model = (LogisticRegressionModel) pipeline.stages()[1];
    StandardScalerModel scaler = (StandardScalerModel) pipeline.stages()[0];

    double worst = assertAdditive(pipeline, linear);
    double base = model.intercept();
    for (int j = 0; j < FEATURES; j++) {
      double std = scaler.std().apply(j);
      base += std == 0 ? 0 : model.coefficients().apply(j) * scaler.mean().apply(j) / std;
    }
    assertThat(linear.baseValue()).isCloseTo(base, within(1e-12));
    assertThat(linear.baseValue()).isNotCloseTo(model.intercept(), within(0.1));
    System.out.printf(
        "LinearContributionsTest: without mean, max |base + Σ contributions − rawPrediction[1]| ="
            + " %.3g%n",
        worst);
  }

  @Test
  void theMeanRowAndAConstantFeatureContributeNothing() {
    PipelineModel pipeline = fit(false);
    LinearContributions linear = linear(pipeline);
    StandardScalerModel scaler = (StandardScalerModel) pipeline.stages()[0];

    Contributions atMean = linear.explain(scaler.mean().toArray());
    Contributions row = linear.explain(new double[] {12, 30, -1, 1, 7.5});

    assertThat(atMean.values()).containsOnly(0.0);
    assertThat(atMean.margin()).isEqualTo(linear.baseValue());
    assertThat(row.value(CONSTANT)).isEqualTo(0.0);
  }

  @Test
  void aRowOfTheWrongLengthIsRefused() {
    LinearContributions linear = linear(fit(true));

    assertThatThrownBy(() -> linear.explain(new double[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot explain a feature vector of 2 values: the model was trained on 5 features."
                + " Score with the features the model was trained on.");
  }

  @Test
  void aNullFeatureVectorGetsNullContributions() {
    LinearContributions linear = linear(fit(true));
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType());
    Dataset<Row> withNull =
        spark.createDataFrame(
            List.of(
                RowFactory.create((Object) null),
                RowFactory.create(Vectors.dense(1, 2, 3, 0, 7.5))),
            schema);
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());

    List<Row> result =
        ContributionColumns.withLinearContributions(withNull, "features", context.broadcast(linear))
            .collectAsList();

    assertThat(result.get(0).isNullAt(result.get(0).fieldIndex(ContributionColumns.CONTRIBUTIONS)))
        .isTrue();
    assertThat(result.get(1).getList(1)).hasSize(FEATURES);
  }

  @Test
  void aMultinomialFitIsRefused() {
    LogisticRegression multinomial =
        new LogisticRegression().setFeaturesCol("scaled").setFamily("multinomial").setMaxIter(5);
    PipelineModel pipeline =
        new Pipeline()
            .setStages(
                new PipelineStage[] {
                  new StandardScaler().setInputCol("features").setOutputCol("scaled"), multinomial
                })
            .fit(rows);

    assertThatThrownBy(() -> linear(pipeline))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Cannot explain a logistic regression fitted with the multinomial family");
  }

  private static double assertAdditive(PipelineModel pipeline, LinearContributions linear) {
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Dataset<Row> explained =
        ContributionColumns.withLinearContributions(
            pipeline.transform(rows), "features", context.broadcast(linear));
    List<Row> result = explained.collectAsList();
    assertThat(result).hasSize(ROWS);
    double worst = 0;
    for (Row row : result) {
      List<Double> contributions = row.getList(row.fieldIndex(ContributionColumns.CONTRIBUTIONS));
      double margin = row.getDouble(row.fieldIndex(ContributionColumns.BASE_VALUE));
      for (double value : contributions) {
        margin += value;
      }
      double raw = row.<Vector>getAs("rawPrediction").apply(1);
      assertThat(contributions).hasSize(FEATURES);
      assertThat(margin).isCloseTo(raw, within(ADDITIVE));
      worst = Math.max(worst, Math.abs(margin - raw));
    }
    return worst;
  }

  private static PipelineModel fit(boolean withMean) {
    StandardScaler scaler =
        new StandardScaler()
            .setInputCol("features")
            .setOutputCol("scaled")
            .setWithMean(withMean)
            .setWithStd(true);
    LogisticRegression regression =
        new LogisticRegression()
            .setFeaturesCol("scaled")
            .setRegParam(0.01)
            .setElasticNetParam(0.5)
            .setMaxIter(50);
    return new Pipeline().setStages(new PipelineStage[] {scaler, regression}).fit(rows);
  }

  private static LinearContributions linear(PipelineModel pipeline) {
    return LinearContributions.of(
        (LogisticRegressionModel) pipeline.stages()[1], (StandardScalerModel) pipeline.stages()[0]);
  }
}
