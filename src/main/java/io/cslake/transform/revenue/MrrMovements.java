package io.cslake.transform.revenue;

import static io.cslake.transform.revenue.Revenue.MONEY;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;

import java.math.BigDecimal;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * {@code gold/mrr_movements} (SPEC §5.2): one row per row of {@code account_month_mrr}, classified
 * by the first matching rule: new, churn, reactivation, expansion, contraction, flat. The real
 * movement is {@code amount = mrr − prev_mrr − fx_amount}; expansion and contraction are judged on
 * it, so a pure exchange-rate change is {@code flat} with a non-zero {@code fx_amount}. Invariant:
 * {@code amount + fx_amount = mrr − prev_mrr} on every row, hence per account and company-wide.
 */
public final class MrrMovements {
  public static final String TABLE = "mrr_movements";

  public static final String ACCOUNT_ID = "account_id";
  public static final String MONTH = "month";
  public static final String PREV_MRR = "prev_mrr";
  public static final String MRR = "mrr";
  public static final String MOVEMENT = "movement";
  public static final String AMOUNT = "amount";
  public static final String UPSELL_AMOUNT = "upsell_amount";
  public static final String CROSS_SELL_AMOUNT = "cross_sell_amount";
  public static final String FX_AMOUNT = "fx_amount";

  public static final String NEW = "new";
  public static final String CHURN = "churn";
  public static final String REACTIVATION = "reactivation";
  public static final String EXPANSION = "expansion";
  public static final String CONTRACTION = "contraction";
  public static final String FLAT = "flat";

  private MrrMovements() {}

  /**
   * Movements from {@code account_month_mrr} ({@link AccountMonthMrr}), whose months are contiguous
   * per account from its first active month.
   */
  public static Dataset<Row> compute(Dataset<Row> accountMonths) {
    WindowSpec byMonth = Window.partitionBy(ACCOUNT_ID).orderBy(MONTH);
    Column zero = lit(BigDecimal.ZERO).cast(MONEY);
    Column mrr = col(AccountMonthMrr.MRR);
    Column prev = col(PREV_MRR);
    Column amount = col(AMOUNT);
    Column activeBefore = col("_active_before");
    Dataset<Row> rows =
        accountMonths
            .withColumn(PREV_MRR, coalesce(lag(mrr, 1).over(byMonth), zero))
            .withColumn(
                "_active_before",
                coalesce(
                    max(when(mrr.gt(lit(0)), lit(1)).otherwise(lit(0)))
                        .over(byMonth.rowsBetween(Window.unboundedPreceding(), -1)),
                    lit(0)))
            .withColumn(AMOUNT, mrr.minus(prev).minus(col(FX_AMOUNT)).cast(MONEY));
    Column movement =
        when(mrr.gt(lit(0)).and(activeBefore.equalTo(lit(0))), lit(NEW))
            .when(mrr.equalTo(lit(0)).and(prev.gt(lit(0))), lit(CHURN))
            .when(mrr.gt(lit(0)).and(prev.equalTo(lit(0))), lit(REACTIVATION))
            .when(amount.gt(lit(0)), lit(EXPANSION))
            .when(amount.lt(lit(0)), lit(CONTRACTION))
            .otherwise(lit(FLAT));
    Column isExpansion = col(MOVEMENT).equalTo(lit(EXPANSION));
    Column crossSell =
        when(isExpansion, least(col(AccountMonthMrr.NEW_PRODUCT_MRR), amount)).otherwise(zero);
    return rows.withColumn(MOVEMENT, movement)
        .withColumn(CROSS_SELL_AMOUNT, crossSell.cast(MONEY))
        .withColumn(
            UPSELL_AMOUNT,
            when(isExpansion, amount.minus(col(CROSS_SELL_AMOUNT))).otherwise(zero).cast(MONEY))
        .select(
            col(ACCOUNT_ID),
            col(MONTH),
            prev.cast(MONEY).as(PREV_MRR),
            mrr.as(MRR),
            col(MOVEMENT),
            amount,
            col(UPSELL_AMOUNT),
            col(CROSS_SELL_AMOUNT),
            col(FX_AMOUNT));
  }
}
