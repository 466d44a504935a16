package io.cslake.model.explain;

import java.io.Serializable;
import java.util.Objects;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.StandardScalerModel;

/**
 * Exact contributions of a binary logistic regression behind a {@link StandardScalerModel}: the
 * margin (log-odds, MLlib's {@code rawPrediction[1]}) is {@code b + Σ_j β_j s_j(x)} with the
 * scaler's output {@code s_j(x) = (x_j − shift_j) × scale_j}, where {@code shift_j} is the training
 * mean when the scaler has {@code withMean} and 0 otherwise, and {@code scale_j} is {@code 1/std_j}
 * when it has {@code withStd} (0 for a constant feature, as MLlib does) and 1 otherwise.
 *
 * <p>Contribution {@code j} is {@code β_j × (s_j(x) − s_j(mean))}: the coefficient times the
 * standardized value, centred on the training mean. With {@code withMean} the scaler already
 * centres, {@code s_j(mean) = 0}, and the contribution is exactly coefficient × scaler output;
 * without it the scaler output {@code x_j / std_j} is not centred and the centring moves {@code β_j
 * × mean_j / std_j} into the base. The base value is {@code b + Σ_j β_j s_j(mean)}, the margin of
 * the mean row, so base + Σ contributions = the margin in both cases, and a feature at its training
 * mean contributes 0. (These are the SHAP values of a linear model with independent features.)
 *
 * <p>Takes the scaler's input, i.e. the assembled features before scaling.
 */
public final class LinearContributions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double[] coefficients;
  private final double[] shift;
  private final double[] scale;
  private final double[] reference;
  private final double baseValue;

  private LinearContributions(
      double intercept, double[] coefficients, double[] mean, double[] shift, double[] scale) {
    this.coefficients = coefficients;
    this.shift = shift;
    this.scale = scale;
    this.reference = new double[coefficients.length];
    double base = intercept;
    for (int j = 0; j < coefficients.length; j++) {
      reference[j] = (mean[j] - shift[j]) * scale[j];
      base += coefficients[j] * reference[j];
    }
    this.baseValue = base;
  }

  /** A fitted binary logistic regression whose input is the output of {@code scaler}. */
  public static LinearContributions of(LogisticRegressionModel model, StandardScalerModel scaler) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(scaler, "scaler");
    if (model.numClasses() != 2) {
      throw new IllegalArgumentException(
          "Cannot explain a logistic regression with "
              + model.numClasses()
              + " classes: contributions are defined for the binary churn model only.");
    }
    if (model.coefficientMatrix().numRows() != 1) {
      throw new IllegalArgumentException(
          "Cannot explain a logistic regression fitted with the multinomial family: its margin is"
              + " not one log-odds. Fit the churn model with family \"binomial\" (or \"auto\").");
    }
    double[] coefficients = model.coefficients().toArray();
    double[] mean = scaler.mean().toArray();
    double[] std = scaler.std().toArray();
    if (mean.length != coefficients.length) {
      throw new IllegalArgumentException(
          "Cannot explain a logistic regression with "
              + coefficients.length
              + " coefficients behind a scaler of "
              + mean.length
              + " features: the scaler must be the stage that feeds the model.");
    }
    double[] shift = new double[mean.length];
    double[] scale = new double[mean.length];
    for (int j = 0; j < mean.length; j++) {
      shift[j] = scaler.getWithMean() ? mean[j] : 0.0;
      scale[j] = scaler.getWithStd() ? (std[j] == 0.0 ? 0.0 : 1.0 / std[j]) : 1.0;
    }
    return new LinearContributions(model.intercept(), coefficients, mean, shift, scale);
  }

  /** The number of features (coefficients). */
  public int numFeatures() {
    return coefficients.length;
  }

  /** The margin of the training-mean row: the base value of every explanation. */
  public double baseValue() {
    return baseValue;
  }

  /** The contributions of one row, given as the scaler's input. */
  public Contributions explain(double[] features) {
    if (features.length != coefficients.length) {
      throw new IllegalArgumentException(
          "Cannot explain a feature vector of "
              + features.length
              + " values: the model was trained on "
              + coefficients.length
              + " features. Score with the features the model was trained on.");
    }
    double[] values = new double[coefficients.length];
    for (int j = 0; j < coefficients.length; j++) {
      double standardized = (features[j] - shift[j]) * scale[j];
      values[j] = coefficients[j] * standardized - coefficients[j] * reference[j];
    }
    return new Contributions(baseValue, values);
  }
}
