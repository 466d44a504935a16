package io.cslake.transform.experience;

import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The silver sources and revenue tables the experience metrics read; each optional one may be
 * absent, and the values that need it are then null.
 *
 * @param accounts silver accounts (account_id, created_at, segment, csm_id)
 * @param surveys silver surveys
 * @param supportTickets silver support_tickets
 * @param milestones silver milestones
 * @param referrals silver referrals
 * @param csmActivities silver csm_activities
 * @param subscriptions silver subscriptions (the onboarding start)
 * @param accountMonths {@code silver/account_month_mrr} (active accounts)
 */
public record ExperienceInputs(
    Dataset<Row> accounts,
    Optional<Dataset<Row>> surveys,
    Optional<Dataset<Row>> supportTickets,
    Optional<Dataset<Row>> milestones,
    Optional<Dataset<Row>> referrals,
    Optional<Dataset<Row>> csmActivities,
    Optional<Dataset<Row>> subscriptions,
    Optional<Dataset<Row>> accountMonths) {}
