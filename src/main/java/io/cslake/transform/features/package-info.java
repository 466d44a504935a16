/**
 * Point-in-time leading indicators and churn labels (SPEC §6.1), one row per account and as-of
 * date.
 *
 * <p>Every family takes a frame of snapshot dates (column {@code as_of_date}, the last day
 * included) and computes all snapshots in one pass, using only rows dated up to each snapshot's
 * as-of date. Pure transformations: no I/O, no session lookup. Depends on {@code
 * io.cslake.transform} only.
 */
package io.cslake.transform.features;
