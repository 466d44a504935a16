/**
 * Engagement metrics (SPEC §5.5) as pure transformations: {@code Dataset<Row>} in, {@code
 * Dataset<Row>} out, no I/O and no session lookup. The usage events, the largest input by far, are
 * read once, by {@code ingest}, which rolls each day up with {@link
 * io.cslake.transform.engagement.UserActivityDaily} and {@link
 * io.cslake.transform.engagement.AccountUsageDaily} (silver); everything else here reads only those
 * rollups: {@link io.cslake.transform.engagement.AccountEngagement} (per account, for any set of
 * as-of dates in one pass), {@link io.cslake.transform.engagement.EngagementMonthly} (the
 * engagement columns of {@code kpi_monthly}) and {@link
 * io.cslake.transform.engagement.FeatureAdoptionMonthly}. One class per table holds its column
 * names; {@link io.cslake.transform.engagement.EngagementRules} carries the configured definitions
 * of activity, logins and the feature catalogue. A user is an (account_id, user_id) pair: a person
 * in two accounts counts in each. Rates are {@code double}, null (never NaN) where their
 * denominator is 0. Depends on {@code io.cslake.transform}. Definitions in {@code docs/metrics.md}.
 */
package io.cslake.transform.engagement;
