package io.cslake.transform.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import java.sql.Date;
import java.time.LocalDate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Churn labels (SPEC §6.1): for every account active at a snapshot's as-of date, whether it churns
 * within the horizon H after it, and whether that future is fully observed.
 *
 * <p>An account is <b>active</b> at date d when one of its subscription lines with a positive value
 * covers d ({@code start_date <= d < end_date}, null end = open). It <b>churns at</b> date e when a
 * line ends at e, no line covers e and no line starts in {@code [e, e + grace)}: its MRR goes to 0
 * and stays there through the grace period. A recorded churn event counts as a churn at its date.
 * The label is 1 when a churn date falls in {@code (as_of, as_of + H]}. A snapshot is
 * <b>observable</b> when {@code as_of + H + grace} is on or before the last day of data; only
 * observable snapshots may be trained on.
 */
public final class ChurnLabels {
  public static final String ACCOUNT_ID = "account_id";
  public static final String AS_OF_DATE = "as_of_date";

  /** 1 when the account churns within the horizon after as_of_date, else 0. */
  public static final String LABEL = "label";

  /** The first churn date within the horizon, null when label = 0. */
  public static final String CHURN_DATE = "churn_date";

  /** The horizon and the grace period end on or before the last day of data. */
  public static final String OBSERVABLE = "observable";

  private ChurnLabels() {}

  /**
   * Labels for the accounts active at each snapshot.
   *
   * @param subscriptions silver subscriptions (account_id, start_date, end_date, mrr, amount)
   * @param churnEvents silver churn_events (account_id, churned_at); may be empty
   * @param snapshots one column {@code as_of_date} (date)
   * @param horizonDays H, at least 1
   * @param graceDays how long MRR must stay 0 to count as churn, at least 0
   * @param lastDataDay the last day the inputs cover (the run's as-of date)
   * @return account_id, as_of_date, label, churn_date, observable
   */
  public static Dataset<Row> compute(
      Dataset<Row> subscriptions,
      Dataset<Row> churnEvents,
      Dataset<Row> snapshots,
      int horizonDays,
      int graceDays,
      LocalDate lastDataDay) {
    Dataset<Row> lines = Lines.paying(subscriptions);
    Dataset<Row> active = Lines.activeAt(lines, snapshots);

    // A line end that nothing covers, and nothing restarts within the grace period, is a churn.
    Dataset<Row> ends =
        lines
            .filter(col(Lines.END).isNotNull())
            .select(col(Lines.ACCOUNT).as("_e_account"), col(Lines.END).as("_e"))
            .distinct();
    Column resumed =
        col("_e_account")
            .equalTo(col(Lines.ACCOUNT))
            .and(col(Lines.START).lt(date_add(col("_e"), graceDays)))
            .and(col(Lines.END).isNull().or(col(Lines.END).gt(col("_e"))));
    Dataset<Row> lineChurns =
        ends.join(lines, resumed, "left_anti")
            .select(col("_e_account").as(ACCOUNT_ID), col("_e").as("_churn"));
    Dataset<Row> eventChurns =
        churnEvents.select(col(ACCOUNT_ID), to_date(col("churned_at")).as("_churn"));
    Dataset<Row> churns = lineChurns.unionByName(eventChurns);

    Column inHorizon =
        col("_churn")
            .gt(col(AS_OF_DATE))
            .and(col("_churn").leq(date_add(col(AS_OF_DATE), horizonDays)));
    Dataset<Row> firstChurn =
        active
            .join(
                churns.withColumnRenamed(ACCOUNT_ID, "_c_account"),
                col(ACCOUNT_ID).equalTo(col("_c_account")).and(inHorizon))
            .groupBy(ACCOUNT_ID, AS_OF_DATE)
            .agg(min("_churn").as(CHURN_DATE));

    Column observable =
        date_add(col(AS_OF_DATE), horizonDays + graceDays).leq(lit(Date.valueOf(lastDataDay)));
    return Columns.join(active, firstChurn, "left", ACCOUNT_ID, AS_OF_DATE)
        .select(
            col(ACCOUNT_ID),
            col(AS_OF_DATE),
            when(col(CHURN_DATE).isNotNull(), lit(1)).otherwise(lit(0)).as(LABEL),
            col(CHURN_DATE),
            observable.as(OBSERVABLE));
  }
}
