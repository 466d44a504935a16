package io.cslake.transform.features;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Subscription lines reduced to what activity needs, and activity at snapshot dates. */
final class Lines {
  static final String ACCOUNT = "_l_account";
  static final String START = "_l_start";
  static final String END = "_l_end";

  private Lines() {}

  /** Lines with a positive monthly value: their account, start date and (exclusive) end date. */
  static Dataset<Row> paying(Dataset<Row> subscriptions) {
    Column value = coalesce(col("mrr"), col("amount").divide(col("billing_period_months")));
    return subscriptions
        .filter(value.gt(lit(0)))
        .select(
            col("account_id").as(ACCOUNT), col("start_date").as(START), col("end_date").as(END));
  }

  /** {@code line covers day}: {@code start <= day < end}, a null end being open. */
  static Column covers(Column day) {
    return col(START).leq(day).and(col(END).isNull().or(col(END).gt(day)));
  }

  /**
   * (account_id, as_of_date) of every account with a line covering the as-of date. The snapshot
   * dates are few (one per month of history), so they are broadcast.
   */
  static Dataset<Row> activeAt(Dataset<Row> lines, Dataset<Row> snapshots) {
    return lines
        .join(broadcast(snapshots), covers(col(ChurnLabels.AS_OF_DATE)))
        .select(col(ACCOUNT).as(ChurnLabels.ACCOUNT_ID), col(ChurnLabels.AS_OF_DATE))
        .distinct();
  }
}
