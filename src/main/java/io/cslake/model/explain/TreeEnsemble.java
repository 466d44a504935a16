package io.cslake.model.explain;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.Split;

/**
 * A weighted sum of regression trees, held in flat arrays so that it is small to broadcast and fast
 * to walk: the margin of a row is {@code sum_t weight_t × tree_t(row)}.
 *
 * <p>Nodes of all trees share one index space; {@code roots[t]} is tree t's root. For a node n:
 * {@code feature[n]} is its split feature, or -1 for a leaf; a continuous split sends a row left
 * when {@code x[feature] <= threshold[n]} (so NaN goes right, as in MLlib); a categorical split
 * keeps a sorted category set and sends a row left when the row's value is in the set and the set
 * is the left one, or not in the set and the set is the right one (MLlib's rule, which also decides
 * where a category unseen in training goes). {@code value[n]} is the leaf's prediction and {@code
 * cover[n]} the training weight that reached the node: MLlib's {@code impurityStats().count()}.
 *
 * <p>Built from a fitted {@link GBTClassificationModel} with {@link #fromGbt}, or by hand from
 * {@link Node}s with {@link #of} (tests, other libraries' trees).
 */
public final class TreeEnsemble implements Serializable {
  private static final long serialVersionUID = 1L;

  final int numFeatures;
  final double[] treeWeights;
  final int[] roots;
  final int[] feature;
  final double[] threshold;
  final double[][] categories;
  final boolean[] categoriesGoLeft;
  final int[] left;
  final int[] right;
  final double[] value;
  final double[] cover;
  final int maxDepth;
  private final double expectedMargin;

  private TreeEnsemble(int numFeatures, double[] treeWeights, Flattener nodes) {
    this.numFeatures = numFeatures;
    this.treeWeights = treeWeights.clone();
    this.roots = nodes.roots;
    int size = nodes.size;
    this.feature = Arrays.copyOf(nodes.feature, size);
    this.threshold = Arrays.copyOf(nodes.threshold, size);
    this.categories = Arrays.copyOf(nodes.categories, size);
    this.categoriesGoLeft = Arrays.copyOf(nodes.categoriesGoLeft, size);
    this.left = Arrays.copyOf(nodes.left, size);
    this.right = Arrays.copyOf(nodes.right, size);
    this.value = Arrays.copyOf(nodes.value, size);
    this.cover = Arrays.copyOf(nodes.cover, size);
    this.maxDepth = nodes.maxDepth;
    validate();
    double expected = 0;
    for (int t = 0; t < roots.length; t++) {
      expected += this.treeWeights[t] * expectedValue(roots[t]);
    }
    this.expectedMargin = expected;
  }

  /**
   * The trees of a fitted gradient-boosted classifier with their weights. Its margin is the {@code
   * rawPrediction[1]} of MLlib (which is {@code (-margin, margin)}), and its probability of the
   * positive class {@code 1 / (1 + exp(-2 × margin))}.
   */
  public static TreeEnsemble fromGbt(GBTClassificationModel model) {
    Objects.requireNonNull(model, "model");
    return fromTrees(model.trees(), model.treeWeights(), model.numFeatures());
  }

  /** Fitted MLlib regression trees with one weight each (the trees of any MLlib tree ensemble). */
  public static TreeEnsemble fromTrees(
      DecisionTreeRegressionModel[] trees, double[] weights, int numFeatures) {
    if (trees.length != weights.length) {
      throw new IllegalArgumentException(
          "Cannot build a tree ensemble from "
              + trees.length
              + " trees and "
              + weights.length
              + " weights: give one weight per tree.");
    }
    Flattener nodes = new Flattener(trees.length);
    for (int t = 0; t < trees.length; t++) {
      nodes.roots[t] = nodes.addMllib(trees[t].rootNode());
    }
    return new TreeEnsemble(numFeatures, weights, nodes);
  }

  /** A hand-built ensemble: one tree per weight, over rows of {@code numFeatures} values. */
  public static TreeEnsemble of(int numFeatures, double[] weights, List<Node> trees) {
    if (trees.size() != weights.length) {
      throw new IllegalArgumentException(
          "Cannot build a tree ensemble from "
              + trees.size()
              + " trees and "
              + weights.length
              + " weights: give one weight per tree.");
    }
    Flattener nodes = new Flattener(trees.size());
    for (int t = 0; t < trees.size(); t++) {
      nodes.roots[t] = nodes.addSpec(trees.get(t));
    }
    return new TreeEnsemble(numFeatures, weights, nodes);
  }

  /** The length of the feature vectors this ensemble reads. */
  public int numFeatures() {
    return numFeatures;
  }

  /** The number of trees. */
  public int numTrees() {
    return roots.length;
  }

  /** The number of nodes over all trees. */
  public int numNodes() {
    return feature.length;
  }

  /** The largest number of splits from a root to a leaf. */
  public int maxDepth() {
    return maxDepth;
  }

  /** The weight of tree {@code tree}. */
  public double treeWeight(int tree) {
    return treeWeights[tree];
  }

  /** The raw margin of a row: {@code sum_t weight_t × tree_t(features)}. */
  public double margin(double[] features) {
    checkLength(features);
    double sum = 0;
    for (int t = 0; t < roots.length; t++) {
      sum += treeWeights[t] * value[leaf(roots[t], features)];
    }
    return sum;
  }

  /**
   * The expected margin over the training data as the covers describe it: at every split, the
   * cover-weighted average of both children. This is TreeSHAP's base value.
   */
  public double expectedMargin() {
    return expectedMargin;
  }

  double expectedValue(int node) {
    if (feature[node] < 0) {
      return value[node];
    }
    return (cover[left[node]] * expectedValue(left[node])
            + cover[right[node]] * expectedValue(right[node]))
        / cover[node];
  }

  int leaf(int node, double[] features) {
    int n = node;
    while (feature[n] >= 0) {
      n = goesLeft(n, features[feature[n]]) ? left[n] : right[n];
    }
    return n;
  }

  boolean goesLeft(int node, double x) {
    double[] set = categories[node];
    if (set == null) {
      return x <= threshold[node];
    }
    return (Arrays.binarySearch(set, x) >= 0) == categoriesGoLeft[node];
  }

  void checkLength(double[] features) {
    if (features.length != numFeatures) {
      throw new IllegalArgumentException(
          "Cannot explain a feature vector of "
              + features.length
              + " values: the model was trained on "
              + numFeatures
              + " features. Score with the features the model was trained on.");
    }
  }

  private void validate() {
    for (int n = 0; n < feature.length; n++) {
      if (feature[n] >= numFeatures) {
        throw new IllegalArgumentException(
            "Cannot build a tree ensemble over "
                + numFeatures
                + " features: node "
                + n
                + " splits on feature "
                + feature[n]
                + ".");
      }
      if (!(cover[n] >= 0) || Double.isInfinite(cover[n])) {
        throw new IllegalArgumentException(
            "Cannot build a tree ensemble: node " + n + " has cover " + cover[n] + ".");
      }
      if (feature[n] >= 0 && cover[n] == 0) {
        throw new IllegalArgumentException(
            "Cannot build a tree ensemble: split node "
                + n
                + " has zero cover, so its children's shares of the training data are undefined.");
      }
    }
  }

  /**
   * A node of a hand-built tree: a leaf with its value and cover, or a split whose cover is the sum
   * of its children's.
   */
  public static final class Node {
    private final int feature;
    private final double threshold;
    private final double[] leftCategories;
    private final Node left;
    private final Node right;
    private final double value;
    private final double cover;

    private Node(
        int feature,
        double threshold,
        double[] leftCategories,
        Node left,
        Node right,
        double value,
        double cover) {
      this.feature = feature;
      this.threshold = threshold;
      this.leftCategories = leftCategories;
      this.left = left;
      this.right = right;
      this.value = value;
      this.cover = cover;
    }

    /** A leaf predicting {@code value}, reached by {@code cover} of the training weight. */
    public static Node leaf(double value, double cover) {
      return new Node(-1, Double.NaN, null, null, null, value, cover);
    }

    /** A continuous split: {@code x[feature] <= threshold} goes left. */
    public static Node split(int feature, double threshold, Node left, Node right) {
      checkFeature(feature);
      return new Node(feature, threshold, null, left, right, Double.NaN, left.cover + right.cover);
    }

    /** A categorical split: {@code x[feature]} in {@code leftCategories} goes left. */
    public static Node categorical(int feature, double[] leftCategories, Node left, Node right) {
      checkFeature(feature);
      double[] sorted = leftCategories.clone();
      Arrays.sort(sorted);
      return new Node(
          feature, Double.NaN, sorted, left, right, Double.NaN, left.cover + right.cover);
    }

    private static void checkFeature(int feature) {
      if (feature < 0) {
        throw new IllegalArgumentException(
            "Cannot split on feature " + feature + ": features are numbered from 0.");
      }
    }
  }

  /** Appends nodes depth-first to growing arrays. */
  private static final class Flattener {
    final int[] roots;
    int size;
    int maxDepth;
    int[] feature = new int[16];
    double[] threshold = new double[16];
    double[][] categories = new double[16][];
    boolean[] categoriesGoLeft = new boolean[16];
    int[] left = new int[16];
    int[] right = new int[16];
    double[] value = new double[16];
    double[] cover = new double[16];

    Flattener(int numTrees) {
      this.roots = new int[numTrees];
    }

    int addMllib(org.apache.spark.ml.tree.Node root) {
      // Recursive like every walk here: MLlib trees are at most 30 levels deep.
      return addMllib(root, 0);
    }

    private int addMllib(org.apache.spark.ml.tree.Node node, int depth) {
      int index = append(depth);
      value[index] = node.prediction();
      cover[index] = node.impurityStats().count();
      if (node instanceof InternalNode) {
        InternalNode internal = (InternalNode) node;
        setSplit(index, internal.split());
        int l = addMllib(internal.leftChild(), depth + 1);
        int r = addMllib(internal.rightChild(), depth + 1);
        left[index] = l;
        right[index] = r;
      }
      return index;
    }

    private void setSplit(int index, Split split) {
      feature[index] = split.featureIndex();
      if (split instanceof ContinuousSplit) {
        threshold[index] = ((ContinuousSplit) split).threshold();
      } else if (split instanceof CategoricalSplit) {
        CategoricalSplit categorical = (CategoricalSplit) split;
        // MLlib keeps either the left or the right category set and routes a value that is in
        // neither (a category unseen in training) to the other side. A NaN probe is in neither
        // set, so where it goes tells which set MLlib keeps.
        double[] probe = new double[split.featureIndex() + 1];
        Arrays.fill(probe, Double.NaN);
        boolean keepsLeft = !categorical.shouldGoLeft(Vectors.dense(probe));
        double[] set = keepsLeft ? categorical.leftCategories() : categorical.rightCategories();
        set = set.clone();
        Arrays.sort(set);
        categories[index] = set;
        categoriesGoLeft[index] = keepsLeft;
        threshold[index] = Double.NaN;
      } else {
        throw new IllegalArgumentException(
            "Cannot convert a tree split of type " + split.getClass().getName() + ".");
      }
    }

    int addSpec(Node root) {
      return addSpec(root, 0);
    }

    private int addSpec(Node node, int depth) {
      int index = append(depth);
      value[index] = node.value;
      cover[index] = node.cover;
      if (node.feature >= 0) {
        feature[index] = node.feature;
        threshold[index] = node.threshold;
        categories[index] = node.leftCategories;
        categoriesGoLeft[index] = node.leftCategories != null;
        int l = addSpec(node.left, depth + 1);
        int r = addSpec(node.right, depth + 1);
        left[index] = l;
        right[index] = r;
      }
      return index;
    }

    private int append(int depth) {
      if (size == feature.length) {
        int capacity = size * 2;
        feature = Arrays.copyOf(feature, capacity);
        threshold = Arrays.copyOf(threshold, capacity);
        categories = Arrays.copyOf(categories, capacity);
        categoriesGoLeft = Arrays.copyOf(categoriesGoLeft, capacity);
        left = Arrays.copyOf(left, capacity);
        right = Arrays.copyOf(right, capacity);
        value = Arrays.copyOf(value, capacity);
        cover = Arrays.copyOf(cover, capacity);
      }
      int index = size++;
      feature[index] = -1;
      threshold[index] = Double.NaN;
      left[index] = -1;
      right[index] = -1;
      maxDepth = Math.max(maxDepth, depth);
      return index;
    }
  }
}
