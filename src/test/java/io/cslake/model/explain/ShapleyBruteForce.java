package io.cslake.model.explain;

import java.util.function.ToDoubleFunction;

/**
 * Exact Shapley values by enumerating every feature subset: {@code phi_i = Σ_{S ∌ i} |S|! (M − |S|
 * − 1)! / M! × (v(S ∪ {i}) − v(S))}. The value function is given as a function of a subset bit
 * mask; for trees it is the path-dependent conditional expectation (a split on a feature outside S
 * takes the cover-weighted average of both children). Exponential: for M ≤ 10 only.
 */
final class ShapleyBruteForce {
  private ShapleyBruteForce() {}

  static double[] shapley(int numFeatures, ToDoubleFunction<Integer> value) {
    int subsets = 1 << numFeatures;
    double[] v = new double[subsets];
    for (int s = 0; s < subsets; s++) {
      v[s] = value.applyAsDouble(s);
    }
    double[] factorial = new double[numFeatures + 1];
    factorial[0] = 1;
    for (int k = 1; k <= numFeatures; k++) {
      factorial[k] = factorial[k - 1] * k;
    }
    double[] phi = new double[numFeatures];
    for (int i = 0; i < numFeatures; i++) {
      int bit = 1 << i;
      for (int s = 0; s < subsets; s++) {
        if ((s & bit) != 0) {
          continue;
        }
        int size = Integer.bitCount(s);
        double weight =
            factorial[size] * factorial[numFeatures - size - 1] / factorial[numFeatures];
        phi[i] += weight * (v[s | bit] - v[s]);
      }
    }
    return phi;
  }

  /**
   * The path-dependent conditional expectation of a flat ensemble's margin given subset {@code s}.
   */
  static double expectation(TreeEnsemble trees, double[] x, int s) {
    double sum = 0;
    for (int t = 0; t < trees.numTrees(); t++) {
      sum += trees.treeWeights[t] * expectation(trees, trees.roots[t], x, s);
    }
    return sum;
  }

  private static double expectation(TreeEnsemble trees, int node, double[] x, int s) {
    int feature = trees.feature[node];
    if (feature < 0) {
      return trees.value[node];
    }
    int l = trees.left[node];
    int r = trees.right[node];
    if ((s & (1 << feature)) != 0) {
      return expectation(trees, trees.goesLeft(node, x[feature]) ? l : r, x, s);
    }
    return (trees.cover[l] * expectation(trees, l, x, s)
            + trees.cover[r] * expectation(trees, r, x, s))
        / trees.cover[node];
  }
}
