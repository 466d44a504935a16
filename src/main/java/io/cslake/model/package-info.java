/**
 * The churn model (SPEC §6.2): how snapshots are split for validation, the MLlib candidates, their
 * evaluation and calibration. Works on {@code churn_features} frames; no table I/O here.
 */
package io.cslake.model;
