/**
 * The health score (SPEC §6.4): {@link io.cslake.transform.health.HealthScore} turns {@code
 * churn_features} rows into {@code account_health} (six configured components, their weighted mean
 * with missing weights redistributed, a band and the trend against the previous snapshot), and
 * {@link io.cslake.transform.health.HealthBacktest} measures how well it ranks churn and fits
 * component weights to churn outcomes. Pure transformations: no I/O, no session lookup. Depends on
 * {@code contract} (formula checks), {@code config} (the typed {@code cslake.health} settings) and
 * {@code transform.features} (column names).
 */
package io.cslake.transform.health;
