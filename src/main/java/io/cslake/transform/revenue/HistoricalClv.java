package io.cslake.transform.revenue;

import static io.cslake.transform.revenue.Revenue.MONEY;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import java.math.BigDecimal;
import java.sql.Date;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code gold/clv}, historical part (SPEC §5.6): revenue to date per account, in the reporting
 * currency, as of a date. Subscription revenue is the sum of the account's monthly MRR over the
 * months up to and including the as-of month; transaction revenue the sum of its purchases up to
 * the as-of date. Every account of silver accounts has a row (0 when it brought nothing).
 */
public final class HistoricalClv {
  public static final String TABLE = "clv";

  public static final String ACCOUNT_ID = "account_id";
  public static final String AS_OF_DATE = "as_of_date";
  public static final String SUBSCRIPTION_REVENUE = "subscription_revenue";
  public static final String TRANSACTION_REVENUE = "transaction_revenue";
  public static final String REVENUE_TO_DATE = "revenue_to_date";
  public static final String ACTIVE_MONTHS = "active_months";

  private HistoricalClv() {}

  /**
   * @param accounts silver accounts
   * @param accountMonths {@code account_month_mrr}, if subscriptions exist
   * @param transactions silver transactions, if they exist
   */
  public static Dataset<Row> compute(
      Dataset<Row> accounts,
      Optional<Dataset<Row>> accountMonths,
      Optional<Dataset<Row>> transactions,
      LocalDate asOf) {
    Column zero = lit(BigDecimal.ZERO).cast(MONEY);
    Dataset<Row> result = accounts.select(col(ACCOUNT_ID));
    if (accountMonths.isPresent()) {
      Dataset<Row> subscription =
          accountMonths
              .get()
              .filter(col(AccountMonthMrr.MONTH).leq(Columns.monthOf(asOf)))
              .groupBy(ACCOUNT_ID)
              .agg(
                  sum(AccountMonthMrr.MRR).cast(MONEY).as(SUBSCRIPTION_REVENUE),
                  count(when(col(AccountMonthMrr.MRR).gt(lit(0)), lit(1))).as(ACTIVE_MONTHS));
      result = Columns.join(result, subscription, "left", ACCOUNT_ID);
    } else {
      result = result.withColumn(SUBSCRIPTION_REVENUE, zero).withColumn(ACTIVE_MONTHS, lit(0L));
    }
    if (transactions.isPresent()) {
      Dataset<Row> purchases =
          transactions
              .get()
              .filter(to_date(col("ordered_at")).leq(lit(Date.valueOf(asOf))))
              .groupBy(ACCOUNT_ID)
              .agg(sum("amount").cast(MONEY).as(TRANSACTION_REVENUE));
      result = Columns.join(result, purchases, "left", ACCOUNT_ID);
    } else {
      result = result.withColumn(TRANSACTION_REVENUE, zero);
    }
    Column subscription = coalesce(col(SUBSCRIPTION_REVENUE), zero);
    Column transaction = coalesce(col(TRANSACTION_REVENUE), zero);
    return result.select(
        col(ACCOUNT_ID),
        lit(Date.valueOf(asOf)).as(AS_OF_DATE),
        subscription.as(SUBSCRIPTION_REVENUE),
        transaction.as(TRANSACTION_REVENUE),
        subscription.plus(transaction).cast(MONEY).as(REVENUE_TO_DATE),
        coalesce(col(ACTIVE_MONTHS), lit(0L)).as(ACTIVE_MONTHS));
  }
}
