package io.cslake.model.explain;

/**
 * Exact SHAP values of a {@link TreeEnsemble}'s margin: the polynomial-time path-dependent TreeSHAP
 * algorithm (Lundberg, Erion and Lee 2018, "Consistent individualized feature attribution for tree
 * ensembles", Algorithm 2).
 *
 * <p>The value of a feature subset S is the path-dependent conditional expectation of the margin:
 * follow the row down every split on a feature in S; at a split on a feature outside S take the
 * cover-weighted average of both children. Each feature's contribution is its Shapley value for
 * that game; the base value is the value of the empty set ({@link TreeEnsemble#expectedMargin()}),
 * so base + Σ contributions = the row's margin. One pass over each tree costs O(leaves × depth²).
 *
 * <p>The walk keeps, for the path from the root to the current node, one entry per distinct feature
 * split on along it: the feature, the fraction of the cover that flows down the path when the
 * feature is unknown ("zero" fraction), whether the row itself follows the path when the feature is
 * known ("one" fraction, 1 or 0), and the weights of every subset size ({@code extend} adds an
 * entry; {@code unwind} removes one, for a feature met again deeper down). At a leaf, each entry's
 * contribution is the sum of the weights with that entry unwound, times (one − zero) × leaf value.
 */
public final class TreeShap {
  private TreeShap() {}

  /** The contributions of one row, its features in the ensemble's order. */
  public static Contributions explain(TreeEnsemble ensemble, double[] features) {
    ensemble.checkLength(features);
    double[] phi = new double[ensemble.numFeatures];
    Walk walk = new Walk(ensemble, features, phi);
    for (int t = 0; t < ensemble.roots.length; t++) {
      walk.tree(ensemble.roots[t], ensemble.treeWeights[t]);
    }
    return new Contributions(ensemble.expectedMargin(), phi);
  }

  /** The walk over one row: scratch space for the unique-feature paths of every depth. */
  private static final class Walk {
    private final TreeEnsemble trees;
    private final double[] x;
    private final double[] phi;
    // Path entries; the path of a node at recursion level d lives in its own segment, so that the
    // parent's path is intact when the second child is visited.
    private final int[] pathFeature;
    private final double[] pathZero;
    private final double[] pathOne;
    private final double[] pathWeight;
    private double treeWeight;

    Walk(TreeEnsemble trees, double[] x, double[] phi) {
      this.trees = trees;
      this.x = x;
      this.phi = phi;
      int levels = trees.maxDepth + 2;
      int capacity = levels * (levels + 1) / 2 + 1;
      pathFeature = new int[capacity];
      pathZero = new double[capacity];
      pathOne = new double[capacity];
      pathWeight = new double[capacity];
    }

    void tree(int root, double weight) {
      treeWeight = weight;
      recurse(root, 0, 0, 1.0, 1.0, -1);
    }

    /**
     * Visits {@code node}, whose parent's path is the {@code parentLength} entries at {@code
     * parentStart}; the edge into the node has zero fraction {@code zero}, one fraction {@code one}
     * and belongs to {@code splitFeature} (-1 for the root).
     */
    private void recurse(
        int node, int parentStart, int parentLength, double zero, double one, int splitFeature) {
      int start = parentStart + parentLength;
      System.arraycopy(pathFeature, parentStart, pathFeature, start, parentLength);
      System.arraycopy(pathZero, parentStart, pathZero, start, parentLength);
      System.arraycopy(pathOne, parentStart, pathOne, start, parentLength);
      System.arraycopy(pathWeight, parentStart, pathWeight, start, parentLength);
      int length = extend(start, parentLength, zero, one, splitFeature);

      int feature = trees.feature[node];
      if (feature < 0) {
        double leafValue = trees.value[node] * treeWeight;
        // Entry 0 is the root's placeholder, not a feature.
        for (int i = 1; i < length; i++) {
          double weight = unwoundSum(start, length, i);
          phi[pathFeature[start + i]] +=
              weight * (pathOne[start + i] - pathZero[start + i]) * leafValue;
        }
        return;
      }

      boolean left = trees.goesLeft(node, x[feature]);
      int hot = left ? trees.left[node] : trees.right[node];
      int cold = left ? trees.right[node] : trees.left[node];
      double incomingZero = 1.0;
      double incomingOne = 1.0;
      for (int i = 1; i < length; i++) {
        if (pathFeature[start + i] == feature) {
          // The feature was split on above: its earlier entry is replaced by one for this split.
          incomingZero = pathZero[start + i];
          incomingOne = pathOne[start + i];
          unwind(start, length, i);
          length--;
          break;
        }
      }
      double nodeCover = trees.cover[node];
      double hotZero = incomingZero * trees.cover[hot] / nodeCover;
      double coldZero = incomingZero * trees.cover[cold] / nodeCover;
      // A side with both fractions 0 (a child with no cover that the row does not reach) makes
      // every subset weight below it 0: it adds nothing, and unwinding it would divide by 0.
      if (hotZero != 0 || incomingOne != 0) {
        recurse(hot, start, length, hotZero, incomingOne, feature);
      }
      if (coldZero != 0) {
        recurse(cold, start, length, coldZero, 0.0, feature);
      }
    }

    /** Appends an entry to the {@code length} entries at {@code start}; returns the new length. */
    private int extend(int start, int length, double zero, double one, int feature) {
      int end = start + length;
      pathFeature[end] = feature;
      pathZero[end] = zero;
      pathOne[end] = one;
      pathWeight[end] = length == 0 ? 1.0 : 0.0;
      for (int i = length - 1; i >= 0; i--) {
        pathWeight[start + i + 1] += one * pathWeight[start + i] * (i + 1) / (length + 1);
        pathWeight[start + i] = zero * pathWeight[start + i] * (length - i) / (length + 1);
      }
      return length + 1;
    }

    /** Removes entry {@code index} from the {@code length} entries at {@code start}. */
    private void unwind(int start, int length, int index) {
      int last = length - 1;
      double one = pathOne[start + index];
      double zero = pathZero[start + index];
      double next = pathWeight[start + last];
      for (int i = last - 1; i >= 0; i--) {
        if (one != 0) {
          double previous = pathWeight[start + i];
          pathWeight[start + i] = next * length / ((i + 1) * one);
          next = previous - pathWeight[start + i] * zero * (last - i) / length;
        } else {
          pathWeight[start + i] = pathWeight[start + i] * length / (zero * (last - i));
        }
      }
      for (int i = index; i < last; i++) {
        pathFeature[start + i] = pathFeature[start + i + 1];
        pathZero[start + i] = pathZero[start + i + 1];
        pathOne[start + i] = pathOne[start + i + 1];
      }
    }

    /** The total weight of the path with entry {@code index} unwound, leaving the path as is. */
    private double unwoundSum(int start, int length, int index) {
      int last = length - 1;
      double one = pathOne[start + index];
      double zero = pathZero[start + index];
      double next = pathWeight[start + last];
      double total = 0;
      for (int i = last - 1; i >= 0; i--) {
        if (one != 0) {
          double weight = next * length / ((i + 1) * one);
          total += weight;
          next = pathWeight[start + i] - weight * zero * (last - i) / length;
        } else {
          total += pathWeight[start + i] * length / (zero * (last - i));
        }
      }
      return total;
    }
  }
}
