/**
 * Revenue and retention metrics (SPEC §5.1–5.4, historical CLV of §5.6) as pure transformations:
 * {@code Dataset<Row>} in, {@code Dataset<Row>} out, no I/O and no session lookup. One class per
 * table holds its column names as constants and the function that builds it: {@link
 * io.cslake.transform.revenue.AccountMonthMrr} (silver), {@link
 * io.cslake.transform.revenue.MrrMovements}, {@link io.cslake.transform.revenue.KpiMonthly}, {@link
 * io.cslake.transform.revenue.ChurnReasonsMonthly}, {@link
 * io.cslake.transform.revenue.CohortRetention} and {@link
 * io.cslake.transform.revenue.HistoricalClv} (gold). Month spines are generated in Spark ({@code
 * sequence} + {@code explode}), never collected. Money stays {@code decimal(18,4)} so that
 * movements add up exactly; rates are {@code double} and null, never NaN or infinity, where their
 * denominator is 0. Depends on nothing in cslake but the contract's types. Every definition is
 * written out in {@code docs/metrics.md}.
 */
package io.cslake.transform.revenue;
