/**
 * Predictive customer lifetime value (SPEC §5.6) as pure transformations and driver-side
 * statistics: no I/O and no session lookup.
 *
 * <ul>
 *   <li>{@link io.cslake.transform.clv.BgNbd}: BG/NBD purchase model (Fader, Hardie and Lee 2005) —
 *       sufficient statistics (x, t_x, T) in Spark, compressed to distinct tuples,
 *       maximum-likelihood fit on the driver, expected purchases and P(alive) per customer in
 *       Spark.
 *   <li>{@link io.cslake.transform.clv.GammaGamma}: Gamma-Gamma spend model (Fader, Hardie and Lee
 *       2005, "RFM and CLV") — fitted on repeat buyers compressed to (x, binned x·m̄), conditional
 *       expected average spend per customer.
 *   <li>{@link io.cslake.transform.clv.ShiftedBetaGeometric}: sBG retention model (Fader and Hardie
 *       2007) — survival counts per cohort from {@code account_month_mrr} in Spark, fit per cohort
 *       or segment on the driver, projected retention and expected lifetime.
 *   <li>{@link io.cslake.transform.clv.CustomerValue}: CLV per customer from the BG/NBD and
 *       Gamma-Gamma fits, discounted monthly.
 *   <li>{@link io.cslake.transform.clv.ContractualClv}: contractual CLV per account from its
 *       calibrated churn probability (monthly hazard, expected lifetime, discounted margin).
 *   <li>{@link io.cslake.transform.clv.ClvTables}: the {@code clv}, {@code clv_cohorts} and {@code
 *       clv_model_params} tables: column names, schemas and assembly.
 * </ul>
 *
 * <p>The driver only ever holds compressed statistics whose number is bounded by the calendar and
 * by distinct purchase counts, never by the number of customers. Parameter names are those of
 * {@code clv_model_params.param}: r, alpha, a, b (BG/NBD); p, q, gamma (Gamma-Gamma); alpha, beta
 * (sBG). Depends on nothing in cslake but {@link io.cslake.transform} (segments, months) and, in
 * {@code ClvTables} only, {@link io.cslake.transform.revenue.HistoricalClv} (the historical columns
 * of {@code gold/clv}). The formulas and their sources are in {@code docs/metrics.md}.
 */
package io.cslake.transform.clv;
