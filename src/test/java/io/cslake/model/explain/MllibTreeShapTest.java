package io.cslake.model.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.SparkTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.feature.VectorIndexer;
import org.apache.spark.ml.feature.VectorIndexerModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;
import org.apache.spark.mllib.tree.impurity.ImpurityCalculator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TreeSHAP over gradient-boosted trees fitted by MLlib: the flat copy reproduces MLlib's margin and
 * probability, the covers are MLlib's (weighted) training counts, the contributions equal
 * brute-force Shapley values computed on MLlib's own nodes, and base + Σ contributions equals
 * MLlib's {@code rawPrediction[1]} on every row when computed on the executors.
 */
class MllibTreeShapTest extends SparkTestBase {
  private static final int ROWS = 300;
  private static final int FEATURES = 5;
  private static final double EXACT = 1e-9;
  private static final double ADDITIVE = 1e-6;
  private static final double[] CATEGORY_EFFECT = {-1.0, 0.5, -1.5, 2.0};

  private static Dataset<Row> continuous;
  private static GBTClassificationModel continuousModel;
  private static Dataset<Row> categoricalRows;
  private static GBTClassificationModel categoricalModel;

  @BeforeAll
  static void fitModels() {
    continuous = rows(11, false).cache();
    continuousModel = new GBTClassifier().setMaxDepth(3).setMaxIter(12).setSeed(5).fit(continuous);

    Dataset<Row> raw = rows(12, true);
    VectorIndexerModel indexer =
        new VectorIndexer()
            .setInputCol("features")
            .setOutputCol("indexed")
            .setMaxCategories(4)
            .fit(raw);
    categoricalRows = indexer.transform(raw).cache();
    categoricalModel =
        new GBTClassifier()
            .setFeaturesCol("indexed")
            .setMaxDepth(3)
            .setMaxIter(6)
            .setSeed(5)
            .fit(categoricalRows);
  }

  @Test
  void marginAndProbabilityMatchMllib() {
    TreeEnsemble trees = TreeEnsemble.fromGbt(continuousModel);
    assertThat(trees.numTrees()).isEqualTo(12);
    assertThat(trees.treeWeight(0)).isEqualTo(1.0);
    assertThat(trees.treeWeight(1)).isEqualTo(continuousModel.getStepSize());

    double worst = 0;
    for (Row row : continuousModel.transform(continuous).collectAsList()) {
      double[] x = row.<Vector>getAs("features").toArray();
      Vector raw = row.getAs("rawPrediction");
      Vector probability = row.getAs("probability");
      double margin = trees.margin(x);
      assertThat(raw.apply(0)).isEqualTo(-raw.apply(1));
      assertThat(margin).isCloseTo(raw.apply(1), within(1e-12));
      assertThat(probability.apply(1))
          .isCloseTo(1.0 / (1.0 + Math.exp(-2.0 * margin)), within(1e-12));
      worst = Math.max(worst, Math.abs(margin - raw.apply(1)));
    }
    System.out.printf("MllibTreeShapTest: max |flat margin − rawPrediction[1]| = %.3g%n", worst);
  }

  @Test
  void coverIsTheTrainingRowCountAndChildrenAddUp() {
    TreeEnsemble trees = TreeEnsemble.fromGbt(continuousModel);

    for (int t = 0; t < trees.numTrees(); t++) {
      assertThat(trees.cover[trees.roots[t]]).isEqualTo(ROWS);
    }
    assertChildrenAddUp(trees);
  }

  @Test
  void coverIsWeightedByInstanceWeights() {
    Dataset<Row> weighted = continuous.withColumn("weight", continuous.col("index").mod(3).plus(1));
    double totalWeight =
        weighted.agg(org.apache.spark.sql.functions.sum("weight")).first().getLong(0);
    GBTClassificationModel model =
        new GBTClassifier().setWeightCol("weight").setMaxDepth(2).setMaxIter(2).fit(weighted);

    TreeEnsemble trees = TreeEnsemble.fromGbt(model);

    assertThat(totalWeight).isNotEqualTo(ROWS);
    for (int t = 0; t < trees.numTrees(); t++) {
      assertThat(trees.cover[trees.roots[t]]).isCloseTo(totalWeight, within(1e-9));
      assertThat(model.trees()[t].rootNode().impurityStats().rawCount()).isEqualTo(ROWS);
    }
    assertChildrenAddUp(trees);
  }

  @Test
  void coverOfASubsampledTreeCountsItsOwnSample() {
    GBTClassificationModel model =
        new GBTClassifier()
            .setSubsamplingRate(0.5)
            .setMaxDepth(2)
            .setMaxIter(3)
            .setSeed(3)
            .fit(continuous);

    TreeEnsemble trees = TreeEnsemble.fromGbt(model);

    List<Double> roots = new ArrayList<>();
    for (int t = 0; t < trees.numTrees(); t++) {
      roots.add(trees.cover[trees.roots[t]]);
    }
    System.out.println("MllibTreeShapTest: root covers with subsamplingRate 0.5: " + roots);
    assertThat(roots).allSatisfy(cover -> assertThat(cover).isLessThan(ROWS).isGreaterThan(0.0));
    assertChildrenAddUp(trees);
    double[] x = continuous.first().<Vector>getAs("features").toArray();
    assertThat(TreeShap.explain(trees, x).margin()).isCloseTo(trees.margin(x), within(EXACT));
  }

  @Test
  void contributionsMatchBruteForceShapleyOnMllibNodes() {
    double worst = assertBruteForce(continuousModel, continuous, "features");
    System.out.printf(
        "MllibTreeShapTest: MLlib GBT (continuous), max |TreeSHAP − brute force| = %.3g%n", worst);
  }

  @Test
  void categoricalSplitsMatchBruteForceShapley() {
    TreeEnsemble trees = TreeEnsemble.fromGbt(categoricalModel);
    int categoricalNodes = 0;
    for (int n = 0; n < trees.numNodes(); n++) {
      if (trees.categories[n] != null) {
        categoricalNodes++;
      }
    }
    assertThat(categoricalNodes).as("categorical splits in the fitted model").isPositive();

    double worst = assertBruteForce(categoricalModel, categoricalRows, "indexed");
    System.out.printf(
        "MllibTreeShapTest: MLlib GBT with %d categorical splits, max |TreeSHAP − brute force| ="
            + " %.3g%n",
        categoricalNodes, worst);
  }

  @Test
  void aCategoryUnseenInTrainingGoesWhereMllibSendsIt() {
    TreeEnsemble trees = TreeEnsemble.fromGbt(categoricalModel);
    List<Row> probes = new ArrayList<>();
    for (double category : new double[] {4, 7, -1}) {
      probes.add(RowFactory.create(Vectors.dense(category, 0.3, 0.6, 0.2, 0.9)));
    }
    StructType schema = new StructType().add("indexed", SQLDataTypes.VectorType());

    for (Row row :
        categoricalModel.transform(spark.createDataFrame(probes, schema)).collectAsList()) {
      double[] x = row.<Vector>getAs("indexed").toArray();
      double raw = row.<Vector>getAs("rawPrediction").apply(1);
      assertThat(trees.margin(x)).isCloseTo(raw, within(1e-12));
      assertThat(TreeShap.explain(trees, x).margin()).isCloseTo(raw, within(ADDITIVE));
    }
  }

  @Test
  void contributionsAddUpToRawPredictionOnEveryRowOnTheExecutors() {
    double continuousWorst = assertAdditive(continuousModel, continuous, "features");
    double categoricalWorst = assertAdditive(categoricalModel, categoricalRows, "indexed");
    System.out.printf(
        "MllibTreeShapTest: %d rows each, max |base + Σ contributions − rawPrediction[1]| = %.3g"
            + " (continuous), %.3g (categorical)%n",
        ROWS, continuousWorst, categoricalWorst);
  }

  @Test
  void anUnseenCategoryFollowsTheSetMllibKeeps() {
    // MLlib keeps the smaller side's category set: {0, 1, 2} of 4 is kept as its complement {3},
    // so a category outside 0–3 goes left, which "in leftCategories goes left" would get wrong.
    CategoricalSplit keepsRight = new CategoricalSplit(0, new double[] {0, 1, 2}, 4);
    CategoricalSplit keepsLeft = new CategoricalSplit(0, new double[] {3}, 4);
    for (CategoricalSplit split : List.of(keepsRight, keepsLeft)) {
      Node root = new InternalNode(0, 0, 0, leaf(-1, 3), leaf(2, 1), split, stats(4));
      TreeEnsemble trees =
          TreeEnsemble.fromTrees(
              new DecisionTreeRegressionModel[] {new DecisionTreeRegressionModel(root, 2)},
              new double[] {1.0},
              2);
      for (double category : new double[] {0, 1, 2, 3, 4, 9, -1, Double.NaN}) {
        double[] x = {category, 0};
        double expected = split.shouldGoLeft(Vectors.dense(x)) ? -1 : 2;
        assertThat(trees.margin(x)).as("category %s", category).isEqualTo(expected);
        assertThat(TreeShap.explain(trees, x).margin()).isCloseTo(expected, within(EXACT));
      }
    }
    assertThat(keepsRight.shouldGoLeft(Vectors.dense(9, 0))).isTrue();
    assertThat(keepsLeft.shouldGoLeft(Vectors.dense(9, 0))).isFalse();
  }

  private static LeafNode leaf(double prediction, double count) {
    return new LeafNode(prediction, 0, stats(count));
  }

  private static ImpurityCalculator stats(double count) {
    return ImpurityCalculator.getCalculator("variance", new double[] {count, 0, 0}, (long) count);
  }

  private static double assertAdditive(
      GBTClassificationModel model, Dataset<Row> rows, String featuresColumn) {
    TreeEnsemble trees = TreeEnsemble.fromGbt(model);
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Dataset<Row> explained =
        ContributionColumns.withTreeContributions(
            model.transform(rows), featuresColumn, context.broadcast(trees));

    assertThat(explained.schema().apply(ContributionColumns.CONTRIBUTIONS).dataType())
        .isEqualTo(DataTypes.createArrayType(DataTypes.DoubleType, false));
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

  /** Brute force on 40 rows, walking MLlib's nodes (not the flat copy) with its own split rule. */
  private static double assertBruteForce(
      GBTClassificationModel model, Dataset<Row> rows, String featuresColumn) {
    TreeEnsemble trees = TreeEnsemble.fromGbt(model);
    double worst = 0;
    for (Row row : rows.limit(40).collectAsList()) {
      Vector vector = row.getAs(featuresColumn);
      double[] exact =
          ShapleyBruteForce.shapley(FEATURES, subset -> expectation(model, vector, subset));
      Contributions shap = TreeShap.explain(trees, vector.toArray());
      assertThat(shap.values()).containsExactly(exact, within(EXACT));
      assertThat(shap.baseValue()).isCloseTo(expectation(model, vector, 0), within(EXACT));
      for (int j = 0; j < FEATURES; j++) {
        worst = Math.max(worst, Math.abs(exact[j] - shap.value(j)));
      }
    }
    return worst;
  }

  private static double expectation(GBTClassificationModel model, Vector x, int subset) {
    double sum = 0;
    DecisionTreeRegressionModel[] trees = model.trees();
    for (int t = 0; t < trees.length; t++) {
      sum += model.treeWeights()[t] * expectation(trees[t].rootNode(), x, subset);
    }
    return sum;
  }

  private static double expectation(Node node, Vector x, int subset) {
    if (node instanceof LeafNode) {
      return node.prediction();
    }
    InternalNode split = (InternalNode) node;
    if ((subset & (1 << split.split().featureIndex())) != 0) {
      return expectation(
          split.split().shouldGoLeft(x) ? split.leftChild() : split.rightChild(), x, subset);
    }
    Node left = split.leftChild();
    Node right = split.rightChild();
    return (left.impurityStats().count() * expectation(left, x, subset)
            + right.impurityStats().count() * expectation(right, x, subset))
        / node.impurityStats().count();
  }

  private static void assertChildrenAddUp(TreeEnsemble trees) {
    for (int n = 0; n < trees.numNodes(); n++) {
      if (trees.feature[n] >= 0) {
        double children = trees.cover[trees.left[n]] + trees.cover[trees.right[n]];
        assertThat(children).isCloseTo(trees.cover[n], within(1e-9 * trees.cover[n]));
      }
    }
  }

  /**
   * {@code ROWS} rows of five features in [0, 1) and a label drawn from a logistic model with an
   * interaction. With {@code categorical}, feature 0 is instead a category 0–3 whose effect is not
   * monotone, so trees split it by category sets (3 against the rest, among others).
   */
  private static Dataset<Row> rows(long seed, boolean categorical) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      double[] x = new double[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        x[j] = random.nextDouble();
      }
      double effect0;
      if (categorical) {
        x[0] = random.nextInt(4);
        effect0 = CATEGORY_EFFECT[(int) x[0]];
      } else {
        effect0 = 3 * x[0] - 1.5;
      }
      double logit = effect0 - 2 * x[1] + 4 * (x[2] - 0.5) * (x[3] - 0.5) + 0.5;
      double label = random.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1.0 : 0.0;
      rows.add(RowFactory.create(i, label, Vectors.dense(x)));
    }
    StructType schema =
        new StructType()
            .add("index", DataTypes.IntegerType)
            .add("label", DataTypes.DoubleType)
            .add("features", SQLDataTypes.VectorType());
    return spark.createDataFrame(rows, schema);
  }
}
