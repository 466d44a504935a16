package io.cslake.transform.revenue;

import static io.cslake.transform.revenue.Revenue.MONEY;
import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.sum;

import io.cslake.transform.Segments;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code gold/churn_reasons_monthly} (loss analysis, SPEC §5.3/§5.5): churned accounts and churned
 * MRR per month, segment ({@value Revenue#ALL} for the company) and reason. A churn movement in
 * month M takes the reason of the account's latest churn event dated from the first day of M−1 to
 * the last day of M (a cancellation is often recorded in the last billed month); without one the
 * reason is {@value #UNRECORDED}.
 */
public final class ChurnReasonsMonthly {
  public static final String TABLE = "churn_reasons_monthly";

  public static final String MONTH = "month";
  public static final String SEGMENT = "segment";
  public static final String REASON = "reason";
  public static final String CHURNED_ACCOUNTS = "churned_accounts";
  public static final String CHURNED_MRR = "churned_mrr";

  /** The reason of a churn without a matching churn event, or of an event without a reason. */
  public static final String UNRECORDED = "unrecorded";

  private ChurnReasonsMonthly() {}

  /**
   * @param movements {@code mrr_movements}
   * @param churnEvents silver churn_events (may be empty)
   * @param accounts silver accounts (account_id, segment)
   */
  public static Dataset<Row> compute(
      Dataset<Row> movements, Dataset<Row> churnEvents, Dataset<Row> accounts) {
    Dataset<Row> churns =
        movements
            .filter(col(MrrMovements.MOVEMENT).equalTo(lit(MrrMovements.CHURN)))
            .select(
                col(MrrMovements.ACCOUNT_ID),
                col(MrrMovements.MONTH),
                col(MrrMovements.AMOUNT).unary_$minus().as("_lost"));
    Dataset<Row> events =
        churnEvents.select(
            col("account_id").as("_event_account"),
            col("churned_at").as("_churned_at"),
            coalesce(col(REASON), lit(UNRECORDED)).as("_reason"));
    Column window =
        col(MrrMovements.ACCOUNT_ID)
            .equalTo(col("_event_account"))
            .and(col("_churned_at").geq(add_months(col(MrrMovements.MONTH), -1)))
            .and(col("_churned_at").lt(add_months(col(MrrMovements.MONTH), 1)));
    Dataset<Row> reasoned =
        churns
            .join(events, window, "left")
            .groupBy(MrrMovements.ACCOUNT_ID, MrrMovements.MONTH)
            .agg(
                first("_lost").as("_lost"),
                coalesce(max_by(col("_reason"), col("_churned_at")), lit(UNRECORDED)).as(REASON));
    return Segments.withAll(Segments.tag(reasoned, Segments.of(accounts)))
        .groupBy(MONTH, SEGMENT, REASON)
        .agg(count(lit(1)).as(CHURNED_ACCOUNTS), sum("_lost").cast(MONEY).as(CHURNED_MRR))
        .select(MONTH, SEGMENT, REASON, CHURNED_ACCOUNTS, CHURNED_MRR);
  }
}
