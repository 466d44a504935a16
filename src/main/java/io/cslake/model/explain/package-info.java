/**
 * Exact per-row feature contributions of the churn model's raw margin (SPEC §6.3, issue 7).
 *
 * <p>For gradient-boosted trees, {@link io.cslake.model.explain.TreeEnsemble} is a compact,
 * serializable copy of MLlib's trees (flat arrays: split feature, threshold or category set,
 * children, leaf value, cover) and {@link io.cslake.model.explain.TreeShap} computes SHAP values
 * with the path-dependent TreeSHAP algorithm of Lundberg et al. (2018). For logistic regression,
 * {@link io.cslake.model.explain.LinearContributions} gives coefficient × centred standardized
 * value. Both return {@link io.cslake.model.explain.Contributions}: a base value and one
 * contribution per feature that add up to the model's raw margin (the log-odds for logistic
 * regression, MLlib's {@code rawPrediction[1]} for both model types). {@link
 * io.cslake.model.explain.ContributionColumns} applies either on the executors to a {@code
 * Dataset<Row>} with a features vector column.
 *
 * <p>Everything here is a pure function of a fitted MLlib model and a feature vector: no I/O, no
 * session lookup. Depends only on Spark and MLlib, nothing else in cslake; scoring (issue 7) will
 * depend on it. The method is written out in {@code docs/ARCHITECTURE.md} ("How contributions are
 * computed").
 */
package io.cslake.model.explain;
