package io.cslake.transform.experience;

import static io.cslake.transform.Columns.ratio;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.contract.FieldType;
import io.cslake.transform.Columns;
import io.cslake.transform.health.HealthScore;
import io.cslake.transform.revenue.MrrMovements;
import java.math.BigDecimal;
import java.sql.Date;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code gold/cs_team_kpis} (SPEC §5.5): one row per CSM and month. A CSM's book of business is the
 * accounts whose silver {@code accounts.csm_id} is that CSM (the current assignment, applied to
 * every month); accounts without a CSM are in no book. The book's GRR, NRR and logo churn follow
 * kpi_monthly's formulas over its accounts' {@code mrr_movements}.
 */
public final class CsTeamKpis {
  private static final DataType MONEY = FieldType.AMOUNT.sparkType();

  public static final String TABLE = "cs_team_kpis";

  public static final String CSM_ID = "csm_id";
  public static final String MONTH = "month";
  public static final String ACCOUNTS = "accounts";
  public static final String MRR = "mrr";
  public static final String OPENING_MRR = "opening_mrr";
  public static final String OPENING_ACCOUNTS = "opening_accounts";
  public static final String CHURNED_ACCOUNTS = "churned_accounts";
  public static final String CHURNED_MRR = "churned_mrr";
  public static final String CONTRACTION_MRR = "contraction_mrr";
  public static final String EXPANSION_MRR = "expansion_mrr";
  public static final String GRR = "grr";
  public static final String NRR = "nrr";
  public static final String LOGO_CHURN_RATE = "logo_churn_rate";
  public static final String PROACTIVE_TOUCHES = "proactive_touches";
  public static final String PROACTIVE_TOUCHES_PER_ACCOUNT = "proactive_touches_per_account";
  public static final String TTR_MEDIAN_HOURS = "ttr_median_hours";
  public static final String MEAN_HEALTH = "mean_health";
  public static final String MRR_PER_CS_COST = "mrr_per_cs_cost";

  private CsTeamKpis() {}

  /**
   * The settings cs_team_kpis needs.
   *
   * @param costPerCsmMonthly monthly cost of one CSM in the reporting currency; empty = not
   *     configured, and mrr_per_cs_cost is null
   */
  public record Settings(Optional<Double> costPerCsmMonthly) {}

  /**
   * The KPIs per CSM and month: the book's accounts active at month end and their MRR, opening MRR
   * and accounts, churned, contraction and expansion MRR and churned accounts, GRR, NRR and logo
   * churn; proactive touches on the book's accounts in the month and per active account; the median
   * resolution hours of the book's tickets created in the month; mean health ({@link #meanHealth});
   * MRR per unit of CS cost.
   *
   * @param movements {@code gold/mrr_movements}
   * @param accounts silver accounts (account_id, csm_id)
   * @param supportTickets silver support_tickets; empty = ttr_median_hours null
   * @param csmActivities silver csm_activities; empty = the touch columns null
   * @param health {@code gold/account_health}; empty (not scored yet) = mean_health null
   * @param asOf the last day included: later resolutions do not count
   */
  public static Dataset<Row> compute(
      Dataset<Row> movements,
      Dataset<Row> accounts,
      Optional<Dataset<Row>> supportTickets,
      Optional<Dataset<Row>> csmActivities,
      Optional<Dataset<Row>> health,
      Settings settings,
      LocalDate asOf) {
    Column asOfDay = lit(Date.valueOf(asOf));
    Dataset<Row> books = books(accounts);
    Dataset<Row> rows = Columns.join(movements, books, "inner", MrrMovements.ACCOUNT_ID);
    Column movement = col(MrrMovements.MOVEMENT);
    Column amount = col(MrrMovements.AMOUNT);
    Column zero = lit(BigDecimal.ZERO);
    Dataset<Row> kpi =
        rows.groupBy(CSM_ID, MONTH)
            .agg(
                count(when(col(MrrMovements.MRR).gt(lit(0)), lit(1))).as(ACCOUNTS),
                sum(MrrMovements.MRR).as(MRR),
                sum(MrrMovements.PREV_MRR).as(OPENING_MRR),
                count(when(col(MrrMovements.PREV_MRR).gt(lit(0)), lit(1))).as(OPENING_ACCOUNTS),
                count(when(movement.equalTo(lit(MrrMovements.CHURN)), lit(1))).as(CHURNED_ACCOUNTS),
                coalesce(
                        sum(when(movement.equalTo(lit(MrrMovements.CHURN)), amount.unary_$minus())),
                        zero)
                    .as(CHURNED_MRR),
                coalesce(
                        sum(
                            when(
                                movement.equalTo(lit(MrrMovements.CONTRACTION)),
                                amount.unary_$minus())),
                        zero)
                    .as(CONTRACTION_MRR),
                coalesce(sum(when(movement.equalTo(lit(MrrMovements.EXPANSION)), amount)), zero)
                    .as(EXPANSION_MRR));
    Dataset<Row> touches =
        csmActivities
            .map(
                a ->
                    Columns.join(
                            a.filter(CsmTouches.isProactive())
                                .select(
                                    col(Experience.ACCOUNT_ID),
                                    trunc(col(CsmTouches.ACTIVITY_AT), "month").as(MONTH)),
                            books,
                            "inner",
                            Experience.ACCOUNT_ID)
                        .groupBy(CSM_ID, MONTH)
                        .agg(count(lit(1)).as(PROACTIVE_TOUCHES)))
            .orElse(null);
    Dataset<Row> resolution =
        supportTickets
            .map(
                t ->
                    Columns.join(
                            t.select(
                                col(Experience.ACCOUNT_ID),
                                trunc(col("created_at"), "month").as(MONTH),
                                when(
                                        Experience.byEndOf(col("resolved_at"), asOfDay),
                                        Support.resolutionHours())
                                    .as("_ttr")),
                            books,
                            "inner",
                            Experience.ACCOUNT_ID)
                        .groupBy(CSM_ID, MONTH)
                        .agg(Support.median(col("_ttr")).as(TTR_MEDIAN_HOURS)))
            .orElse(null);
    Dataset<Row> out = kpi;
    if (touches != null) {
      out = Columns.join(out, touches, "left", CSM_ID, MONTH);
    }
    if (resolution != null) {
      out = Columns.join(out, resolution, "left", CSM_ID, MONTH);
    }
    if (health.isPresent()) {
      out = Columns.join(out, meanHealth(health.get(), accounts, asOf), "left", CSM_ID, MONTH);
    }
    Column lost = col(CHURNED_MRR).plus(col(CONTRACTION_MRR));
    Column opening = col(OPENING_MRR);
    Column proactive =
        touches == null
            ? lit(null).cast(DataTypes.LongType)
            : coalesce(col(PROACTIVE_TOUCHES), lit(0L));
    Column cost =
        settings.costPerCsmMonthly().map(c -> (Column) lit(c)).orElse(lit(null).cast("double"));
    return out.select(
        col(CSM_ID),
        col(MONTH),
        col(ACCOUNTS),
        col(MRR).cast(MONEY).as(MRR),
        col(OPENING_MRR).cast(MONEY).as(OPENING_MRR),
        col(OPENING_ACCOUNTS),
        col(CHURNED_ACCOUNTS),
        col(CHURNED_MRR).cast(MONEY).as(CHURNED_MRR),
        col(CONTRACTION_MRR).cast(MONEY).as(CONTRACTION_MRR),
        col(EXPANSION_MRR).cast(MONEY).as(EXPANSION_MRR),
        ratio(opening.minus(lost), opening).as(GRR),
        ratio(opening.minus(lost).plus(col(EXPANSION_MRR)), opening).as(NRR),
        ratio(col(CHURNED_ACCOUNTS), col(OPENING_ACCOUNTS)).as(LOGO_CHURN_RATE),
        proactive.as(PROACTIVE_TOUCHES),
        ratio(proactive, col(ACCOUNTS)).as(PROACTIVE_TOUCHES_PER_ACCOUNT),
        (resolution == null ? lit(null).cast("double") : col(TTR_MEDIAN_HOURS))
            .as(TTR_MEDIAN_HOURS),
        (health.isPresent() ? col(MEAN_HEALTH) : lit(null).cast("double")).as(MEAN_HEALTH),
        ratio(col(MRR), cost).as(MRR_PER_CS_COST));
  }

  /**
   * Mean health of each CSM's book per month (csm_id, month, mean_health): the mean health_score of
   * the book's accounts in the month's latest {@code account_health} snapshot dated on or before
   * {@code asOf} (the same snapshot for every CSM, so an account gone from it - churned - does not
   * count with an older score). Months without a snapshot, and books without a scored account in
   * it, have no row.
   *
   * @param health {@code gold/account_health} (account_id, as_of_date, health_score)
   * @param accounts silver accounts (account_id, csm_id)
   */
  public static Dataset<Row> meanHealth(
      Dataset<Row> health, Dataset<Row> accounts, LocalDate asOf) {
    Dataset<Row> scored =
        health
            .filter(col(HealthScore.AS_OF_DATE).leq(lit(Date.valueOf(asOf))))
            .select(
                col(HealthScore.ACCOUNT_ID).as(Experience.ACCOUNT_ID),
                col(HealthScore.AS_OF_DATE),
                trunc(col(HealthScore.AS_OF_DATE), "month").as(MONTH),
                col(HealthScore.HEALTH_SCORE));
    Dataset<Row> latest =
        scored.groupBy(MONTH).agg(max(HealthScore.AS_OF_DATE).as(HealthScore.AS_OF_DATE));
    return Columns.join(
            Columns.join(scored, latest, "inner", MONTH, HealthScore.AS_OF_DATE),
            books(accounts),
            "inner",
            Experience.ACCOUNT_ID)
        .groupBy(CSM_ID, MONTH)
        .agg(avg(HealthScore.HEALTH_SCORE).as(MEAN_HEALTH));
  }

  /** The books: accounts with a CSM (account_id, csm_id). */
  private static Dataset<Row> books(Dataset<Row> accounts) {
    return accounts.filter(col(CSM_ID).isNotNull()).select(col(Experience.ACCOUNT_ID), col(CSM_ID));
  }
}
