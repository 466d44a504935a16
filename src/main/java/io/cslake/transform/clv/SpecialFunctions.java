package io.cslake.transform.clv;

/**
 * The special functions the CLV models need, on doubles: log-gamma, log-beta, log-sum-exp and the
 * Gauss hypergeometric function. Package-private: the models' public methods are the API.
 */
final class SpecialFunctions {
  /** Lanczos coefficients, g = 7, n = 9 (relative error of Γ below 2e-15 for x ≥ 0.5). */
  private static final double[] LANCZOS = {
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7
  };

  private static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

  /** Relative tolerance at which the hypergeometric series stops. */
  static final double SERIES_TOLERANCE = 1e-15;

  /** Upper bound on the number of hypergeometric series terms. */
  static final int SERIES_MAX_TERMS = 5_000_000;

  private SpecialFunctions() {}

  /** ln Γ(x) for x > 0 (Lanczos approximation; reflection below 0.5). */
  static double logGamma(double x) {
    if (!(x > 0)) {
      throw new IllegalArgumentException("Cannot take lnΓ of " + x + ": the argument must be > 0");
    }
    if (x < 0.5) {
      return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
    }
    double y = x - 1;
    double sum = LANCZOS[0];
    for (int i = 1; i < LANCZOS.length; i++) {
      sum += LANCZOS[i] / (y + i);
    }
    double t = y + 7.5;
    return HALF_LOG_TWO_PI + (y + 0.5) * Math.log(t) - t + Math.log(sum);
  }

  /** ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a + b). */
  static double logBeta(double a, double b) {
    return logGamma(a) + logGamma(b) - logGamma(a + b);
  }

  /** ln(e^u + e^v) without overflow or underflow. */
  static double logSumExp(double u, double v) {
    double max = Math.max(u, v);
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    return max + Math.log1p(Math.exp(Math.min(u, v) - max));
  }

  /**
   * The Gauss hypergeometric function ₂F₁(a, b; c; z) = Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ by its power
   * series, for |z| < 1 and c not a non-positive integer.
   *
   * <p>Each term is the previous one times ρₙ = (a+n)(b+n) / ((c+n)(n+1)) · z. For large n, |ρₙ|
   * tends to |z| < 1 monotonically (from above when a+b−c−1 > 0, from below otherwise), so once
   * |ρₙ| < 1 the remaining tail is at most |termₙ| · ρ / (1 − ρ) with ρ = max(|ρₙ|, |z|); the sum
   * stops when that bound is below {@value #SERIES_TOLERANCE} of the sum. The number of terms grows
   * like ln(tolerance) / ln|z| (times a polynomial factor): about 350 at z = 0.9, 35,000 at z =
   * 0.999. In the BG/NBD, z = t / (α + T + t) with α + T > 0, so z < 1 always.
   */
  static double hypergeometric2F1(double a, double b, double c, double z) {
    if (!(Math.abs(z) < 1)) {
      throw new IllegalArgumentException(
          "Cannot evaluate 2F1 at z = " + z + ": the series needs |z| < 1");
    }
    if (c <= 0 && c == Math.rint(c)) {
      throw new IllegalArgumentException(
          "Cannot evaluate 2F1 with c = " + c + ": c must not be a non-positive integer");
    }
    double term = 1;
    double sum = 1;
    for (int n = 0; n < SERIES_MAX_TERMS; n++) {
      double ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
      term *= ratio;
      sum += term;
      if (term == 0) {
        return sum;
      }
      double rho = Math.max(Math.abs(ratio), Math.abs(z));
      if (Math.abs(ratio) < 1
          && Math.abs(term) * rho / (1 - rho) <= SERIES_TOLERANCE * Math.abs(sum)) {
        return sum;
      }
    }
    throw new ArithmeticException(
        "Cannot evaluate 2F1("
            + a
            + ", "
            + b
            + "; "
            + c
            + "; "
            + z
            + "): the series did not converge in "
            + SERIES_MAX_TERMS
            + " terms (z too close to 1)");
  }
}
