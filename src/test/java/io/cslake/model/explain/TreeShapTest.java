package io.cslake.model.explain;

import static io.cslake.model.explain.TreeEnsemble.Node.categorical;
import static io.cslake.model.explain.TreeEnsemble.Node.leaf;
import static io.cslake.model.explain.TreeEnsemble.Node.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cslake.model.explain.TreeEnsemble.Node;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * TreeSHAP on hand-built ensembles, against hand-computed values and brute-force Shapley values.
 */
class TreeShapTest {
  private static final double EXACT = 1e-9;
  private static final int FEATURES = 5;
  private static final int CATEGORICAL = 4;

  @Test
  void stumpGivesTheWholeDifferenceToItsFeature() {
    // Covers 1 and 3: base = (1×1 + 3×3) / 4 = 2.5; a row going left gets 1 − 2.5 on feature 0.
    TreeEnsemble stump =
        TreeEnsemble.of(2, new double[] {1.0}, List.of(split(0, 0.5, leaf(1, 1), leaf(3, 3))));

    Contributions row = TreeShap.explain(stump, new double[] {0.2, 9.0});

    assertThat(row.baseValue()).isCloseTo(2.5, within(EXACT));
    assertThat(row.values()).containsExactly(new double[] {-1.5, 0.0}, within(EXACT));
    assertThat(row.margin()).isCloseTo(1.0, within(EXACT));
  }

  @Test
  void interactionIsSplitEquallyBetweenSymmetricFeatures() {
    // f = 1 iff x0 > 0.5 and x1 > 0.5, every cell with the same cover: base 1/4, and at (1, 1)
    // each feature gets half of 3/4.
    Node tree =
        split(0, 0.5, split(1, 0.5, leaf(0, 1), leaf(0, 1)), split(1, 0.5, leaf(0, 1), leaf(1, 1)));
    TreeEnsemble and = TreeEnsemble.of(2, new double[] {1.0}, List.of(tree));

    Contributions row = TreeShap.explain(and, new double[] {1, 1});

    assertThat(row.baseValue()).isCloseTo(0.25, within(EXACT));
    assertThat(row.values()).containsExactly(new double[] {0.375, 0.375}, within(EXACT));
  }

  @Test
  void featureSplitTwiceOnOnePathMatchesBruteForce() {
    // Feature 0 at the root and again below: TreeSHAP unwinds its first entry.
    Node tree =
        split(
            0,
            0.5,
            split(1, 0.3, split(0, 0.2, leaf(-2, 3), leaf(1, 2)), leaf(4, 5)),
            split(0, 0.8, leaf(2, 4), split(2, 0.5, leaf(-1, 1), leaf(6, 2))));
    TreeEnsemble trees = TreeEnsemble.of(3, new double[] {0.7}, List.of(tree));

    for (double[] x :
        new double[][] {{0.1, 0.1, 0}, {0.3, 0.1, 1}, {0.3, 0.9, 1}, {0.9, 0, 0.9}, {0.6, 1, 0}}) {
      assertMatchesBruteForce(trees, x);
    }
  }

  @Test
  void categoricalSplitsRouteByTheirLeftSet() {
    Node tree =
        categorical(
            1,
            new double[] {2, 0},
            split(0, 0.5, leaf(1, 2), leaf(2, 2)),
            categorical(1, new double[] {3}, leaf(5, 3), leaf(-1, 1)));
    TreeEnsemble trees = TreeEnsemble.of(2, new double[] {1.0}, List.of(tree));

    assertThat(trees.margin(new double[] {0.4, 0})).isEqualTo(1.0);
    assertThat(trees.margin(new double[] {0.6, 2})).isEqualTo(2.0);
    assertThat(trees.margin(new double[] {0.6, 3})).isEqualTo(5.0);
    assertThat(trees.margin(new double[] {0.6, 1})).isEqualTo(-1.0);
    for (double category = 0; category < 4; category++) {
      assertMatchesBruteForce(trees, new double[] {0.4, category});
      assertMatchesBruteForce(trees, new double[] {0.6, category});
    }
  }

  @Test
  void aLeafOnlyTreeAddsToTheBaseAndToNoFeature() {
    TreeEnsemble trees =
        TreeEnsemble.of(
            2, new double[] {1.0, 0.5}, List.of(leaf(4, 10), split(1, 0, leaf(2, 1), leaf(-2, 1))));

    Contributions row = TreeShap.explain(trees, new double[] {3, 1});

    assertThat(row.baseValue()).isCloseTo(4.0, within(EXACT));
    assertThat(row.values()).containsExactly(new double[] {0.0, -1.0}, within(EXACT));
  }

  @Test
  void aChildWithoutCoverIsHandled() {
    // Training never reached the right leaf of feature 1's split; a row that does still adds up.
    Node tree = split(0, 0.5, split(1, 0.5, leaf(1, 4), leaf(10, 0)), leaf(3, 4));
    TreeEnsemble trees = TreeEnsemble.of(2, new double[] {1.0}, List.of(tree));

    for (double[] x : new double[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}}) {
      assertMatchesBruteForce(trees, x);
      assertThat(TreeShap.explain(trees, x).margin()).isCloseTo(trees.margin(x), within(EXACT));
    }
  }

  @Test
  void randomEnsemblesMatchBruteForceShapleyValues() {
    Random random = new Random(20181);
    double worst = 0;
    int checked = 0;
    for (int e = 0; e < 60; e++) {
      int numTrees = 1 + random.nextInt(3);
      List<Node> trees = new ArrayList<>();
      double[] weights = new double[numTrees];
      for (int t = 0; t < numTrees; t++) {
        trees.add(randomTree(random, 1 + random.nextInt(3)));
        weights[t] = 0.1 + random.nextDouble();
      }
      TreeEnsemble ensemble = TreeEnsemble.of(FEATURES, weights, trees);
      for (int r = 0; r < 10; r++) {
        double[] x = randomRow(random);
        worst = Math.max(worst, assertMatchesBruteForce(ensemble, x));
        checked++;
      }
    }
    System.out.printf(
        "TreeShapTest: %d rows of random hand-built ensembles, max |TreeSHAP − brute force| = %.3g%n",
        checked, worst);
  }

  @Test
  void anEnsembleSurvivesJavaSerialization() throws Exception {
    TreeEnsemble trees = TreeEnsemble.of(FEATURES, new double[] {1.0}, List.of(fixedTree()));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(trees);
    }
    TreeEnsemble copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (TreeEnsemble) in.readObject();
    }
    double[] x = {0.2, 0.7, 0.1, 0.9, 2};
    assertThat(TreeShap.explain(copy, x).values())
        .containsExactly(TreeShap.explain(trees, x).values(), within(0.0));
  }

  @Test
  void aRowOfTheWrongLengthIsRefused() {
    TreeEnsemble trees = TreeEnsemble.of(FEATURES, new double[] {1.0}, List.of(fixedTree()));

    assertThatThrownBy(() -> TreeShap.explain(trees, new double[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot explain a feature vector of 3 values")
        .hasMessageContaining("trained on 5 features");
  }

  @Test
  void aSplitOnAFeatureOutsideTheVectorIsRefused() {
    assertThatThrownBy(
            () ->
                TreeEnsemble.of(
                    2, new double[] {1.0}, List.of(split(2, 0, leaf(0, 1), leaf(1, 1)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot build a tree ensemble over 2 features: node 0 splits on feature 2.");
  }

  private static Node fixedTree() {
    return split(
        0,
        0.5,
        categorical(CATEGORICAL, new double[] {1, 3}, leaf(1, 2), leaf(2, 3)),
        split(1, 0.5, leaf(3, 4), leaf(4, 5)));
  }

  /** Splits on features 0–3 (continuous, values in [0, 1)) and 4 (categories 0–3). */
  private static Node randomTree(Random random, int depth) {
    if (depth == 0 || random.nextDouble() < 0.15) {
      return leaf(Math.round(random.nextGaussian() * 100) / 10.0, 1 + random.nextInt(20));
    }
    Node left = randomTree(random, depth - 1);
    Node right = randomTree(random, depth - 1);
    int feature = random.nextInt(FEATURES);
    if (feature == CATEGORICAL) {
      List<Double> set = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        if (random.nextBoolean()) {
          set.add((double) c);
        }
      }
      return categorical(
          feature, set.stream().mapToDouble(Double::doubleValue).toArray(), left, right);
    }
    return split(feature, random.nextDouble(), left, right);
  }

  private static double[] randomRow(Random random) {
    double[] x = new double[FEATURES];
    for (int j = 0; j < CATEGORICAL; j++) {
      x[j] = random.nextDouble();
    }
    x[CATEGORICAL] = random.nextInt(4);
    return x;
  }

  /** Asserts TreeSHAP = brute force to 1e-9 and additivity; returns the largest difference. */
  static double assertMatchesBruteForce(TreeEnsemble trees, double[] x) {
    Contributions shap = TreeShap.explain(trees, x);
    double[] exact =
        ShapleyBruteForce.shapley(
            trees.numFeatures(), s -> ShapleyBruteForce.expectation(trees, x, s));
    assertThat(shap.values()).containsExactly(exact, within(EXACT));
    assertThat(shap.baseValue())
        .isCloseTo(ShapleyBruteForce.expectation(trees, x, 0), within(EXACT));
    assertThat(shap.margin()).isCloseTo(trees.margin(x), within(EXACT));
    double worst = 0;
    for (int j = 0; j < exact.length; j++) {
      worst = Math.max(worst, Math.abs(exact[j] - shap.value(j)));
    }
    return worst;
  }
}
