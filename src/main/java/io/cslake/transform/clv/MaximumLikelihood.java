package io.cslake.transform.clv;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Maximum likelihood on the driver for models with a few positive parameters: Nelder–Mead over the
 * logarithms of the parameters, inside box bounds, from several starting points, the best optimum
 * restarted once (Nelder–Mead can stall on a ridge); standard errors from a numerical Hessian.
 * Package-private.
 */
final class MaximumLikelihood {
  /** Every parameter is kept in [{@value #LOWER}, {@value #UPPER}]. */
  static final double LOWER = 1e-6;

  static final double UPPER = 1e6;

  private static final int MAX_EVALUATIONS = 4000;
  private static final double TOLERANCE = 1e-12;

  private MaximumLikelihood() {}

  /** The optimum: the parameters (not their logarithms) and the log-likelihood there. */
  record Optimum(double[] parameters, double logLikelihood) {}

  /**
   * Maximises {@code logLikelihood} (a function of the parameters themselves) from each start; the
   * best optimum wins.
   */
  static Optimum maximise(ToDoubleFunction<double[]> logLikelihood, List<double[]> starts) {
    double lower = Math.log(LOWER);
    double upper = Math.log(UPPER);
    ToDoubleFunction<double[]> objective =
        logs -> {
          double[] parameters = new double[logs.length];
          for (int i = 0; i < logs.length; i++) {
            if (!(logs[i] >= lower && logs[i] <= upper)) {
              return Double.POSITIVE_INFINITY;
            }
            parameters[i] = Math.exp(logs[i]);
          }
          double value = -logLikelihood.applyAsDouble(parameters);
          return Double.isNaN(value) ? Double.POSITIVE_INFINITY : value;
        };
    double[] best = null;
    double bestValue = Double.POSITIVE_INFINITY;
    for (double[] start : starts) {
      double[] logs = new double[start.length];
      for (int i = 0; i < start.length; i++) {
        logs[i] = Math.log(start[i]);
      }
      double[] point = nelderMead(objective, logs);
      double value = objective.applyAsDouble(point);
      if (best == null || value < bestValue) {
        best = point;
        bestValue = value;
      }
    }
    if (best != null) {
      best = nelderMead(objective, best);
      bestValue = objective.applyAsDouble(best);
    }
    if (best == null || Double.isInfinite(bestValue)) {
      throw new ArithmeticException(
          "Cannot fit the model: the log-likelihood is not finite at any starting point");
    }
    double[] parameters = new double[best.length];
    for (int i = 0; i < best.length; i++) {
      parameters[i] = Math.exp(best[i]);
    }
    return new Optimum(parameters, -bestValue);
  }

  /**
   * Standard errors of the parameters at {@code parameters}: the square roots of the diagonal of
   * the inverse observed information, from a central-difference Hessian of the log-likelihood in
   * the log-parameters (delta method back to the parameters). NaN where the Hessian is not negative
   * definite.
   */
  static double[] standardErrors(ToDoubleFunction<double[]> logLikelihood, double[] parameters) {
    int n = parameters.length;
    double h = 1e-4;
    double[] logs = new double[n];
    for (int i = 0; i < n; i++) {
      logs[i] = Math.log(parameters[i]);
    }
    ToDoubleFunction<double[]> f =
        point -> {
          double[] p = new double[n];
          for (int i = 0; i < n; i++) {
            p[i] = Math.exp(point[i]);
          }
          return logLikelihood.applyAsDouble(p);
        };
    double center = f.applyAsDouble(logs);
    double[][] information = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        double value;
        if (i == j) {
          value =
              -(shifted(f, logs, i, h, i, 0) - 2 * center + shifted(f, logs, i, -h, i, 0))
                  / (h * h);
        } else {
          value =
              -(shifted(f, logs, i, h, j, h)
                      - shifted(f, logs, i, h, j, -h)
                      - shifted(f, logs, i, -h, j, h)
                      + shifted(f, logs, i, -h, j, -h))
                  / (4 * h * h);
        }
        information[i][j] = value;
        information[j][i] = value;
      }
    }
    double[][] covariance = invert(information);
    double[] errors = new double[n];
    for (int i = 0; i < n; i++) {
      double variance = covariance == null ? Double.NaN : covariance[i][i];
      errors[i] = variance > 0 ? parameters[i] * Math.sqrt(variance) : Double.NaN;
    }
    return errors;
  }

  private static double shifted(
      ToDoubleFunction<double[]> f, double[] point, int i, double di, int j, double dj) {
    double[] moved = point.clone();
    moved[i] += di;
    moved[j] += dj;
    return f.applyAsDouble(moved);
  }

  /** Gauss–Jordan inverse with partial pivoting; null if singular. */
  private static double[][] invert(double[][] matrix) {
    int n = matrix.length;
    double[][] a = new double[n][2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(matrix[i], 0, a[i], 0, n);
      a[i][n + i] = 1;
    }
    for (int column = 0; column < n; column++) {
      int pivot = column;
      for (int row = column + 1; row < n; row++) {
        if (Math.abs(a[row][column]) > Math.abs(a[pivot][column])) {
          pivot = row;
        }
      }
      if (!(Math.abs(a[pivot][column]) > 0)) {
        return null;
      }
      double[] swap = a[column];
      a[column] = a[pivot];
      a[pivot] = swap;
      double scale = a[column][column];
      for (int k = 0; k < 2 * n; k++) {
        a[column][k] /= scale;
      }
      for (int row = 0; row < n; row++) {
        if (row != column) {
          double factor = a[row][column];
          for (int k = 0; k < 2 * n; k++) {
            a[row][k] -= factor * a[column][k];
          }
        }
      }
    }
    double[][] inverse = new double[n][n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a[i], n, inverse[i], 0, n);
    }
    return inverse;
  }

  /** Nelder–Mead minimisation (reflection 1, expansion 2, contraction ½, shrink ½). */
  static double[] nelderMead(ToDoubleFunction<double[]> f, double[] start) {
    int n = start.length;
    double[][] simplex = new double[n + 1][];
    double[] values = new double[n + 1];
    simplex[0] = start.clone();
    for (int i = 0; i < n; i++) {
      double[] vertex = start.clone();
      vertex[i] += 0.5;
      simplex[i + 1] = vertex;
    }
    for (int i = 0; i <= n; i++) {
      values[i] = f.applyAsDouble(simplex[i]);
    }
    int evaluations = n + 1;
    Integer[] order = new Integer[n + 1];
    while (evaluations < MAX_EVALUATIONS) {
      for (int i = 0; i <= n; i++) {
        order[i] = i;
      }
      double[] v = values;
      Arrays.sort(order, (i, j) -> Double.compare(v[i], v[j]));
      double[][] sortedSimplex = new double[n + 1][];
      double[] sortedValues = new double[n + 1];
      for (int i = 0; i <= n; i++) {
        sortedSimplex[i] = simplex[order[i]];
        sortedValues[i] = values[order[i]];
      }
      simplex = sortedSimplex;
      values = sortedValues;
      double spread = Math.abs(values[n] - values[0]);
      double size = 0;
      for (int i = 1; i <= n; i++) {
        for (int k = 0; k < n; k++) {
          size = Math.max(size, Math.abs(simplex[i][k] - simplex[0][k]));
        }
      }
      if (spread <= TOLERANCE * (Math.abs(values[0]) + TOLERANCE) && size < 1e-7) {
        break;
      }
      double[] centroid = new double[n];
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < n; k++) {
          centroid[k] += simplex[i][k] / n;
        }
      }
      double[] reflected = towards(centroid, simplex[n], -1);
      double reflectedValue = f.applyAsDouble(reflected);
      evaluations++;
      if (reflectedValue < values[0]) {
        double[] expanded = towards(centroid, simplex[n], -2);
        double expandedValue = f.applyAsDouble(expanded);
        evaluations++;
        if (expandedValue < reflectedValue) {
          simplex[n] = expanded;
          values[n] = expandedValue;
        } else {
          simplex[n] = reflected;
          values[n] = reflectedValue;
        }
      } else if (reflectedValue < values[n - 1]) {
        simplex[n] = reflected;
        values[n] = reflectedValue;
      } else {
        boolean outside = reflectedValue < values[n];
        double[] contracted =
            outside ? towards(centroid, simplex[n], -0.5) : towards(centroid, simplex[n], 0.5);
        double contractedValue = f.applyAsDouble(contracted);
        evaluations++;
        if (contractedValue < Math.min(reflectedValue, values[n])) {
          simplex[n] = contracted;
          values[n] = contractedValue;
        } else {
          for (int i = 1; i <= n; i++) {
            simplex[i] = towards(simplex[0], simplex[i], 0.5);
            values[i] = f.applyAsDouble(simplex[i]);
            evaluations++;
          }
        }
      }
    }
    int best = 0;
    for (int i = 1; i <= n; i++) {
      if (values[i] < values[best]) {
        best = i;
      }
    }
    return simplex[best];
  }

  /** centroid + factor × (point − centroid). */
  private static double[] towards(double[] centroid, double[] point, double factor) {
    double[] result = new double[centroid.length];
    for (int k = 0; k < centroid.length; k++) {
      result[k] = centroid[k] + factor * (point[k] - centroid[k]);
    }
    return result;
  }
}
