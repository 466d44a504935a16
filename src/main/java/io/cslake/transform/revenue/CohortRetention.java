package io.cslake.transform.revenue;

import static io.cslake.transform.Columns.ratio;
import static io.cslake.transform.revenue.Revenue.MONEY;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.months_between;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import java.math.BigDecimal;
import java.time.LocalDate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code gold/cohort_retention} (SPEC §5.4): per basis, segment ({@value Revenue#ALL} for the
 * company), cohort month and period k = 0 .. (as-of month − cohort month), the cohort's size and
 * starting revenue, and how many of its accounts are retained in cohort + k and what they bring.
 */
public final class CohortRetention {
  public static final String TABLE = "cohort_retention";

  public static final String BASIS = "basis";
  public static final String SEGMENT = "segment";
  public static final String COHORT_MONTH = "cohort_month";
  public static final String PERIOD = "period";
  public static final String COHORT_SIZE = "cohort_size";
  public static final String RETAINED = "retained";
  public static final String LOGO_RETENTION = "logo_retention";
  public static final String COHORT_REVENUE = "cohort_revenue";
  public static final String REVENUE = "revenue";
  public static final String REVENUE_RETENTION = "revenue_retention";

  public static final String SUBSCRIPTION = "subscription";
  public static final String TRANSACTION = "transaction";

  private static final String ACCOUNT_ID = "account_id";
  private static final String MONTH = "_month";
  private static final String ACTIVE = "_active";
  private static final String AMOUNT = "_amount";

  private CohortRetention() {}

  /**
   * Subscription cohorts: cohort = the account's first active month; retained in cohort + k = MRR >
   * 0 in that month; revenue = MRR in that month.
   *
   * @param accountMonths {@code account_month_mrr}
   */
  public static Dataset<Row> subscriptions(
      Dataset<Row> accountMonths, Dataset<Row> accounts, LocalDate asOf) {
    Dataset<Row> activity =
        accountMonths.select(
            col(AccountMonthMrr.ACCOUNT_ID).as(ACCOUNT_ID),
            col(AccountMonthMrr.MONTH).as(MONTH),
            col(AccountMonthMrr.MRR).gt(lit(0)).as(ACTIVE),
            col(AccountMonthMrr.MRR).as(AMOUNT));
    return cohorts(activity, accounts, asOf, SUBSCRIPTION);
  }

  /**
   * Transaction cohorts: cohort = the month of the account's first purchase; retained in cohort + k
   * = a purchase in that month; revenue = the purchases' amounts in that month (transactions carry
   * no currency: they are taken to be in the reporting currency). Purchases after the as-of date
   * are ignored.
   *
   * @param transactions silver transactions
   */
  public static Dataset<Row> transactions(
      Dataset<Row> transactions, Dataset<Row> accounts, LocalDate asOf) {
    Dataset<Row> activity =
        transactions
            .filter(to_date(col("ordered_at")).leq(lit(java.sql.Date.valueOf(asOf))))
            .groupBy(col(ACCOUNT_ID), trunc(to_date(col("ordered_at")), "month").as(MONTH))
            .agg(sum("amount").cast(MONEY).as(AMOUNT))
            .withColumn(ACTIVE, lit(true));
    return cohorts(activity, accounts, asOf, TRANSACTION);
  }

  private static Dataset<Row> cohorts(
      Dataset<Row> activity, Dataset<Row> accounts, LocalDate asOf, String basis) {
    Dataset<Row> cohortOf =
        activity.filter(col(ACTIVE)).groupBy(ACCOUNT_ID).agg(min(MONTH).as(COHORT_MONTH));
    Dataset<Row> tagged =
        Segments.withAll(
                Segments.tag(
                    Columns.join(activity, cohortOf, "inner", ACCOUNT_ID), Segments.of(accounts)))
            .withColumn(
                PERIOD, months_between(col(MONTH), col(COHORT_MONTH)).cast(DataTypes.IntegerType));
    Dataset<Row> byPeriod =
        tagged
            .groupBy(SEGMENT, COHORT_MONTH, PERIOD)
            .agg(
                count(when(col(ACTIVE), lit(1))).as(RETAINED),
                sum(when(col(ACTIVE), col(AMOUNT))).cast(MONEY).as(REVENUE));
    Column asOfMonth = Columns.monthOf(asOf);
    Dataset<Row> grid =
        byPeriod
            .filter(col(PERIOD).equalTo(lit(0)))
            .select(
                col(SEGMENT),
                col(COHORT_MONTH),
                col(RETAINED).as(COHORT_SIZE),
                col(REVENUE).as(COHORT_REVENUE))
            .filter(col(COHORT_MONTH).leq(asOfMonth))
            .withColumn(
                PERIOD,
                explode(
                    sequence(
                        lit(0),
                        months_between(asOfMonth, col(COHORT_MONTH)).cast(DataTypes.IntegerType))));
    Column zero = lit(BigDecimal.ZERO).cast(MONEY);
    return Columns.join(grid, byPeriod, "left", SEGMENT, COHORT_MONTH, PERIOD)
        .select(
            lit(basis).as(BASIS),
            col(SEGMENT),
            col(COHORT_MONTH),
            col(PERIOD),
            col(COHORT_SIZE),
            coalesce(col(RETAINED), lit(0L)).as(RETAINED),
            ratio(coalesce(col(RETAINED), lit(0L)), col(COHORT_SIZE)).as(LOGO_RETENTION),
            coalesce(col(COHORT_REVENUE), zero).as(COHORT_REVENUE),
            coalesce(col(REVENUE), zero).as(REVENUE),
            ratio(coalesce(col(REVENUE), zero), col(COHORT_REVENUE)).as(REVENUE_RETENTION));
  }
}
