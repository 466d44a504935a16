package io.cslake.model.explain;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One row's explanation: a base value and one contribution per feature, such that {@code
 * baseValue() + sum(values())} is the model's raw margin for that row.
 */
public final class Contributions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double baseValue;
  private final double[] values;

  Contributions(double baseValue, double[] values) {
    this.baseValue = baseValue;
    this.values = values;
  }

  /** The margin expected before any feature is known (the same for every row of one model). */
  public double baseValue() {
    return baseValue;
  }

  /** The contribution of each feature, in the model's feature order (a copy). */
  public double[] values() {
    return values.clone();
  }

  /** The contribution of one feature. */
  public double value(int feature) {
    return values[feature];
  }

  /** The number of features. */
  public int size() {
    return values.length;
  }

  /** Base value plus all contributions: the model's raw margin, up to rounding. */
  public double margin() {
    double sum = baseValue;
    for (double value : values) {
      sum += value;
    }
    return sum;
  }

  double[] unsafeValues() {
    return values;
  }

  @Override
  public String toString() {
    return "Contributions{base=" + baseValue + ", values=" + Arrays.toString(values) + "}";
  }
}
