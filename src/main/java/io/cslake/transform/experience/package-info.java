/**
 * Satisfaction, support, onboarding, referral and CS team metrics (SPEC §5.5) as pure
 * transformations: {@code Dataset<Row>} in, {@code Dataset<Row>} out, no I/O and no session lookup.
 * One class per source family computes its monthly aggregates and its per-account values as of a
 * set of dates ({@link io.cslake.transform.experience.Satisfaction}, {@link
 * io.cslake.transform.experience.Support}, {@link io.cslake.transform.experience.Onboarding},
 * {@link io.cslake.transform.experience.Referrals}, {@link
 * io.cslake.transform.experience.CsmTouches}); one class per output holds its column names: {@link
 * io.cslake.transform.experience.ExperienceMonthly} (the columns these families add to {@code
 * kpi_monthly}), {@link io.cslake.transform.experience.AccountExperience} ({@code
 * gold/account_experience}), {@link io.cslake.transform.experience.CsTeamKpis} ({@code
 * gold/cs_team_kpis}). Medians and percentiles are exact ({@code percentile}); rates are null,
 * never NaN, where their denominator is 0. Depends on {@link io.cslake.transform} (segments, safe
 * ratios) and the revenue tables' column names. Every definition is written out in {@code
 * docs/metrics.md}.
 */
package io.cslake.transform.experience;
